"""Leadership themes about leading people: the first team, feedback, hiring, change, growth."""

from __future__ import annotations

from companion.sample.theme import Theme

PEOPLE_THEMES: tuple[Theme, ...] = (
    Theme(
        key="first_time_manager",
        label="First-time manager",
        situations=(
            "I was promoted from within my own team three months ago and I now manage people "
            "who were my peers until recently",
            "I have just taken on my first direct reports, {n} of them, and nobody has really "
            "explained what a manager is supposed to do day to day",
            "I went from being the strongest individual contributor on the team to leading it, "
            "and I still spend most of my day doing my old job",
            "My one-to-ones feel like status updates and I'm not sure my new reports trust me "
            "yet",
            "Two of the people who now report to me also applied for my role",
            "I've been a team lead for about four months and I still feel like I'm improvising "
            "every single week",
            "I became a manager in the middle of a busy period and skipped the part where you "
            "learn how to do it",
        ),
        desires=(
            "build a simple weekly rhythm of one-to-ones and team check-ins that people "
            "actually find useful",
            "work out where my job ends and my team's begins",
            "earn the trust of my former peers without pretending nothing has changed",
            "set clear expectations with each of my reports and write them down",
            "stop measuring my own worth by how much I personally get done",
            "have a proper development conversation with every person on my team",
        ),
        outcomes=(
            "my team sees me as their manager rather than the colleague who got lucky",
            "I can go into my first performance review cycle with confidence",
            "I'm not working every evening to keep up with my old workload",
        ),
        expertise=(
            "I ran our new-supervisor induction for {years} and sat in on hundreds of "
            "conversations where someone had gone from colleague to boss overnight.",
            "My own first step into people leadership was messy, because I kept doing the craft "
            "work that felt safe, so now I help recently appointed leads let go of it.",
            "I've grown {count} junior leads into capable line managers, mostly by helping them "
            "agree ground rules and get through the awkward early conversations.",
            "I know the peer-to-boss shift well: I was appointed over three close friends and "
            "learned, slowly, how to keep those friendships while changing the contract.",
            "I designed the programme our company uses for people stepping into supervision, "
            "covering expectation-setting, check-in structures and the first appraisal round.",
        ),
        skills=("people management", "one-to-ones", "expectation setting"),
        levels=(3, 4),
        weight=1.6,
    ),
    Theme(
        key="delegation",
        label="Delegation",
        situations=(
            "I'm the bottleneck on almost every decision in my area and my calendar is "
            "back-to-back from eight until six",
            "I keep redoing work my team hands in, since it's quicker than explaining what I "
            "wanted",
            "My team is capable, but I still personally check all of our {deliverables} before "
            "anything goes out",
            "I took on two extra workstreams after a colleague left and I've been trying to run "
            "both myself",
            "My manager told me in my last review that I need to let go more, and I honestly "
            "don't know what that looks like in practice",
            "Things stall whenever I'm on holiday, as everything still routes through me",
        ),
        desires=(
            "hand off whole pieces of work rather than individual tasks",
            "decide what only I can do and give the rest away",
            "get comfortable with work being done differently from how I'd do it",
            "give two of my senior people real ownership of their areas",
            "free up a day a week for the planning work I keep postponing",
            "keep track of progress without hovering over people",
        ),
        outcomes=(
            "I can take a two-week break without everything grinding to a halt",
            "my senior people get the stretch they've been asking for",
            "I stop answering messages at eleven at night",
        ),
        expertise=(
            "When my span of control tripled during an acquisition I had to build an operating "
            "rhythm in which leads owned outcomes end to end, and I've since coached {count} "
            "managers through the same shift.",
            "I'm a recovering perfectionist who learned to trade control for accountability, "
            "and I help leaders set explicit decision rights so authority sits close to the "
            "problem.",
            "My approach is simple: agree the result, the boundaries and the review points, then "
            "step back, and I've taught it to leaders in manufacturing, retail and software.",
            "I help leaders notice where staying across every detail is costing their people "
            "growth, and replace constant oversight with lightweight reporting.",
        ),
        skills=("delegation", "decision rights", "accountability", "empowerment"),
        levels=(3, 6),
        weight=1.4,
        senior_expertise=(
            "For {years} I ran a large function through six senior leads, which forced me to "
            "build genuine empowerment instead of approval chains.",
        ),
    ),
    Theme(
        key="managing_up",
        label="Managing up",
        situations=(
            "My new manager has a very different style from my last one and our one-to-ones "
            "feel tense",
            "I often find out about changes in priorities from my team before I hear them from "
            "my own boss",
            "My manager is very hands-on and tends to rewrite my work",
            "I'm not sure my manager knows what I actually achieved this year",
            "I report to someone based in another country and we overlap by only two hours a "
            "day",
            "My boss agrees to things in meetings and then changes direction a week later",
        ),
        desires=(
            "have an honest conversation with my manager about how we work together",
            "make my results visible without feeling like I'm showing off",
            "understand the pressure my manager is under so I can help rather than add to it",
            "ask for support and resources in a way that gets a yes",
            "push back on my manager respectfully when I disagree",
        ),
        outcomes=(
            "my manager sees me as a partner rather than someone to check on",
            "there are no surprises on either side at my year-end review",
            "I hear about changes early enough to prepare my team",
        ),
        expertise=(
            "I've worked for eleven different line leaders, from micromanagers to the nearly "
            "invisible, and learned to read what each one needed and shape things deliberately.",
            "As a chief of staff I spent {years} translating between an executive and the wider "
            "organisation, so I know what senior people wish their direct reports would bring "
            "them.",
            "I help people build an upward partnership: agreeing preferences early, arriving "
            "with solutions, and advocating for their people without sounding defensive.",
            "I coach mid-level leaders to negotiate expectations with those above them and to "
            "give candid input upward.",
            "Having reported into three different time zones, I'm practical about keeping a "
            "distant senior leader informed and on side.",
        ),
        skills=("upward communication", "influencing senior leaders", "self-advocacy"),
        levels=(2, 5),
        weight=1.1,
    ),
    Theme(
        key="difficult_feedback",
        label="Giving difficult feedback",
        situations=(
            "One of my reports has been missing deadlines for months and I keep avoiding the "
            "conversation",
            "I have a high performer whose behaviour in meetings is upsetting the rest of the "
            "team",
            "I soften my feedback so much that people don't realise anything is wrong",
            "I have to tell a long-serving colleague that their role is changing and they won't "
            "like it",
            "The last time I gave critical feedback the person got very upset, and I've been "
            "reluctant to do it since",
            "Mid-year reviews are coming up and two of them are going to be hard conversations",
        ),
        desires=(
            "have direct conversations about performance without them turning personal",
            "give feedback early and often instead of saving it up for reviews",
            "prepare for the underperformance conversation I've been putting off",
            "stay calm when someone gets defensive",
            "build a team habit where feedback flows in every direction",
        ),
        outcomes=(
            "problems get dealt with while they're still small",
            "everyone on my team knows where they stand",
            "I stop losing sleep over review season",
        ),
        expertise=(
            "I've supported {count} leaders through formal improvement plans and I'm good at "
            "helping people script the first two minutes of a tough talk.",
            "Early in my career I dodged confrontation until minor issues became formal cases, "
            "so these days I coach candour delivered with care.",
            "As an HR business partner I sat in on many uncomfortable meetings, and I can help "
            "you rehearse for tears, anger or stony silence.",
            "I teach a practical structure for naming a behaviour and its impact and agreeing "
            "what changes next, which takes much of the sting out of critique.",
            "I've had to tell {count} people news they did not want to hear, and I've learned "
            "that clarity is kinder than cushioning.",
        ),
        skills=("feedback", "performance conversations", "coaching conversations"),
        levels=(3, 6),
        weight=1.3,
    ),
    Theme(
        key="conflict_resolution",
        label="Conflict resolution",
        situations=(
            "Two senior people on my team no longer speak to each other except by email",
            "There's long-running friction between my team and {peer_dept} and it's slowing "
            "everything down",
            "I avoid arguments and then the frustration comes out sideways in meetings",
            "A disagreement about priorities turned personal in our last team meeting",
            "I've inherited a team with a history of complaints and grievances",
        ),
        desires=(
            "step into disagreements early instead of hoping they'll settle themselves",
            "help two colleagues rebuild a working relationship",
            "turn arguments about people into discussions about the problem",
            "become more comfortable with heated moments in the room",
            "set ground rules for how we disagree as a team",
        ),
        outcomes=(
            "we can argue openly without anyone holding a grudge",
            "the team stops splitting into camps",
        ),
        expertise=(
            "I'm a trained workplace mediator and have helped colleagues repair partnerships "
            "that had broken down completely.",
            "I've led merged groups where old rivalries ran deep, and I can show you how to "
            "surface disputes safely and channel them into constructive debate.",
            "I coach leaders who are natural peacekeepers to address interpersonal fallouts "
            "before they harden into formal cases.",
            "In {years} running shift-based sites I handled plenty of clashes between crews and "
            "learned when to intervene and when to let people sort it out.",
            "My specialty is the tense three-way sit-down: preparing each party separately, "
            "then facilitating an exchange where both can be heard.",
        ),
        skills=("mediation", "conflict management", "facilitation"),
        levels=(3, 6),
        weight=0.9,
    ),
    Theme(
        key="building_teams",
        label="Building and hiring a team",
        situations=(
            "I've been given budget to grow my team from {n} people to nearly double that over "
            "the next year",
            "I'm building a new function from scratch and at the moment I'm the only person "
            "in it",
            "Our last three hires didn't work out and I think our interview process is the "
            "problem",
            "I keep hiring people who are like me and my team has the same blind spots",
            "Two key people resigned in the same month and I need to rebuild quickly",
        ),
        desires=(
            "design an interview process that tests for what the job really needs",
            "work out which roles to hire first and in what order",
            "get new joiners productive in weeks rather than months",
            "shape a team culture deliberately instead of letting it happen by accident",
        ),
        outcomes=(
            "we stop losing people in their first six months",
            "the team can stand on its own by the time I step back",
        ),
        expertise=(
            "I spent {years} in talent acquisition before moving into line leadership, so I can "
            "help with selection criteria, structured assessment and closing candidates.",
            "I've set up three functions from a blank sheet, covering organisation design, first "
            "appointments and rituals, and I'm happy to share the templates.",
            "Retention is my passion: I help leaders understand why newcomers leave in their "
            "first year and what makes them stay.",
        ),
        skills=("recruitment", "organisation design", "onboarding", "retention"),
        levels=(4, 7),
        weight=0.9,
        senior_expertise=(
            "I scaled an organisation from twelve people to over a hundred and fifty in three "
            "years and made most of the classic recruitment mistakes along the way.",
        ),
    ),
    Theme(
        key="hybrid_leadership",
        label="Leading remote and hybrid teams",
        situations=(
            "My team is spread across three time zones and some of them have never met in "
            "person",
            "Now that we've gone hybrid, the people in the office get noticed and the "
            "remote ones don't",
            "I manage a fully remote team and I only hear about problems when they're already "
            "serious",
            "Our video calls are either silent or dominated by the same two people",
            "I'm about to lead a team in another region that I'll mostly see on a screen",
        ),
        desires=(
            "build trust in a team that rarely meets face to face",
            "run meetings that work equally well for the people in the room and those dialling "
            "in",
            "make sure the remote members of my team get the same opportunities as everyone "
            "else",
            "agree team norms for how and when we communicate",
        ),
        outcomes=(
            "nobody feels like a second-class member of the team because of where they sit",
            "problems reach me while they're still easy to fix",
        ),
        expertise=(
            "I've led distributed groups stretching from Manila to Mexico City for {years}, and "
            "I'm a strong believer in written, asynchronous ways of working.",
            "I help leaders design collaboration practices for dispersed colleagues: which "
            "decisions need a live discussion, which can happen in writing, and how to protect "
            "focus time.",
            "When our offices closed I had to rebuild engagement across a virtual organisation "
            "of two hundred staff, and I learned a lot about rituals and connection.",
            "I coach on fairness in mixed settings, because proximity bias is real and there "
            "are practical ways to counter it.",
        ),
        skills=("remote leadership", "asynchronous collaboration", "virtual facilitation"),
        levels=(3, 6),
        weight=1.0,
    ),
    Theme(
        key="inclusive_leadership",
        label="Inclusive leadership",
        situations=(
            "My team has become much more diverse in the last year and I'm not sure everyone "
            "feels they can speak up",
            "I've noticed the same three people do all the talking in our meetings",
            "One of my reports told me they don't feel they fit in here",
            "I realised all my recent promotions went to people with backgrounds very like mine",
            "We have neurodivergent colleagues on the team and I want to get adjustments right",
        ),
        desires=(
            "create a team where everyone feels safe to disagree with me",
            "spot my own blind spots in how I hand out opportunities",
            "run meetings where quieter voices are heard",
            "make our hiring and promotion decisions fairer",
        ),
        outcomes=(
            "everyone on my team can do their best work",
            "people from every background see a future for themselves here",
        ),
        expertise=(
            "I chaired our employee networks council for {years} and coached managers on "
            "psychological safety and equitable access to high-profile assignments.",
            "As a first-generation graduate who was often the only person like me in the room, "
            "I bring lived experience of being the outsider and practical tools for countering "
            "bias.",
            "I've redesigned selection and advancement processes to reduce bias, and I can help "
            "you audit your own patterns without guilt.",
            "I help leaders make reasonable adjustments and accessibility a normal part of "
            "management rather than an exception.",
        ),
        skills=("inclusion", "psychological safety", "equitable hiring", "allyship"),
        levels=(3, 7),
        mentor_departments=("People & Culture",),
        weight=0.9,
    ),
    Theme(
        key="resilience",
        label="Resilience, wellbeing and boundaries",
        situations=(
            "I've been working most evenings and weekends since I took on this role",
            "I find it really hard to say no, and my team copies me",
            "I came back from sick leave for burnout six months ago and I'm worried about "
            "slipping back",
            "I'm the person everyone on my team brings their problems to, and it's wearing me "
            "down",
            "I'm juggling a demanding role with caring for a parent",
        ),
        desires=(
            "set limits on my working hours that I actually keep",
            "recover properly between busy periods",
            "model healthy working habits for my team",
            "notice my early warning signs while I still have the energy to act on them",
        ),
        outcomes=(
            "I'm still enjoying this job a year from now",
            "my team stops thinking that late-night emails are expected",
        ),
        expertise=(
            "I burned out spectacularly in my thirties and rebuilt my approach around "
            "sustainable performance, and I'm open about what I learned.",
            "I'm a qualified coach with a focus on stress and energy management for people in "
            "high-pressure jobs.",
            "I lead a large shift-based operation and have put real effort into wellbeing "
            "practices that hold up when things get hectic.",
            "I help leaders protect their own capacity, prioritising ruthlessly and building "
            "rest into the week, so they can keep supporting others.",
        ),
        skills=("wellbeing", "stress management", "prioritisation"),
        levels=(2, 7),
        weight=1.0,
    ),
    Theme(
        key="developing_others",
        label="Coaching and developing others",
        situations=(
            "I have a couple of high-potential people on my team and I'm worried I'll lose them "
            "if they don't grow",
            "My development conversations with my team are mostly about which training course "
            "to book",
            "I tend to give people answers when they bring me problems",
            "Nobody on my team could step into my role if I moved on",
        ),
        desires=(
            "coach the people on my team instead of solving things for them",
            "create development plans that go beyond courses",
            "build a succession plan for my own role",
            "spot the people with potential and give them room to grow",
        ),
        outcomes=(
            "people on my team get promoted, even if it means they leave my team",
            "I'm no longer the only person who can cover my job",
        ),
        expertise=(
            "I'm an accredited executive coach and I teach managers a questioning style that "
            "helps people find their own answers.",
            "I've designed talent programmes built around on-the-job challenges rather than "
            "classrooms, and I can help you map growth opportunities for each person.",
            "I enjoy helping leaders identify successors early and give them visible, "
            "meaningful assignments.",
        ),
        skills=("coaching", "talent development", "succession planning"),
        levels=(4, 7),
        mentor_departments=("People & Culture",),
        weight=1.0,
        senior_expertise=(
            "Over {years} I've built bench strength in my function, and four of my former "
            "reports now run departments of their own.",
        ),
    ),
    Theme(
        key="leading_change",
        label="Leading through change and reorganisation",
        situations=(
            "We've just been through our third reorganisation in two years and my team is "
            "cynical and tired",
            "My department is merging with another one next quarter and I'll be leading the "
            "combined team",
            "We're rolling out a new ERP system and I'm the one who has to get people to "
            "actually use it",
            "I have to announce a restructure that I didn't design and don't fully agree with",
            "Half of my team is new after a reorganisation and the other half misses how things "
            "used to be",
            "Our site is being consolidated into a larger one and nobody knows yet whose "
            "processes will survive",
        ),
        desires=(
            "keep people engaged while so much is still uncertain",
            "communicate the change honestly even when I don't have all the answers",
            "bring two teams with different cultures together into one",
            "help my team move from resisting the new system to owning it",
            "look after my own energy while I'm holding everyone else's worries",
        ),
        outcomes=(
            "we don't lose our best people in the process",
            "the new structure is actually working within a year",
        ),
        expertise=(
            "I led the people side of two post-merger integrations, including the messy months "
            "when roles were undecided and morale was fragile.",
            "I've spent {years} in transformation roles, and what I coach most is how to talk "
            "candidly about what you don't yet know.",
            "I ran the adoption of a global finance platform across fourteen countries, and "
            "most of my lessons are about momentum, champions and patience rather than software.",
            "I help leaders guide their people through transitions they didn't choose, including "
            "delivering decisions they privately disagree with while keeping their integrity.",
        ),
        skills=("change management", "transformation", "restructuring", "communication"),
        levels=(3, 7),
        weight=1.2,
    ),
    Theme(
        key="career_transition",
        label="Career transition and promotion",
        situations=(
            "I've been at the same level for four years and I've been passed over for promotion "
            "twice",
            "I want to move from my specialist area into a general-management role but I don't "
            "know how that happens here",
            "I'm applying for a senior manager role and I've never been through an assessment "
            "centre",
            "I'm not sure whether to stay on the people-management track or go back to being a "
            "specialist",
            "I'm returning to work after a year of parental leave and my old role no longer "
            "exists",
        ),
        desires=(
            "understand what the next level actually expects and where my gaps are",
            "build the case for my promotion with concrete evidence",
            "work out which path really fits me and test it in small ways",
            "become visible to the people who make promotion decisions",
        ),
        outcomes=(
            "I'm ready when the next opening comes up",
            "I make my next move out of choice rather than frustration",
        ),
        expertise=(
            "I've sat on talent review and calibration panels for {years}, so I know what gets "
            "discussed when your name comes up and what moves people forward.",
            "I changed careers twice, from lab science to supply chain and then into general "
            "management, and I enjoy helping people plan a pivot.",
            "I coach people preparing for senior selection processes on framing their track "
            "record, finding sponsorship and handling competency interviews.",
            "I returned from a long career break myself and I've helped several colleagues "
            "relaunch after extended leave.",
        ),
        skills=("career planning", "interview preparation", "personal branding"),
        levels=(3, 6),
        weight=1.2,
    ),
)
