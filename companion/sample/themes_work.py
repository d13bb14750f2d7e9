"""Leadership themes about direction, influence and the business: strategy to the boardroom."""

from __future__ import annotations

from companion.sample.theme import Theme

WORK_THEMES: tuple[Theme, ...] = (
    Theme(
        key="strategic_thinking",
        label="Strategic thinking",
        situations=(
            "I'm very good at delivering what's in front of me but keep hearing that I don't "
            "think far enough ahead",
            "In the last planning cycle my plan was basically last year's plan with bigger "
            "numbers",
            "I've been asked to write a three-year vision for my area and I'm staring at a "
            "blank page",
            "I spend almost all my time firefighting and never lift my head to think about where "
            "my area should be going",
            "My director keeps asking 'so what?' when I present my team's work",
            "Our market is shifting faster than our roadmap, and I can see it but struggle to "
            "put it into words",
        ),
        desires=(
            "step back from daily delivery and think about where we need to be in two or three "
            "years",
            "build a plan that makes real trade-offs instead of listing everything we want to do",
            "connect my team's work to the company strategy in a way people can repeat",
            "get into the habit of scanning for trends outside my own area",
            "put together a proposal that shows I can think at the level above my current role",
        ),
        outcomes=(
            "I'm seen as someone who shapes direction, not just executes it",
            "my team understands why we're saying no to some things",
        ),
        expertise=(
            "I led our long-range planning process for {years}, which mostly meant helping "
            "operational leaders translate a fuzzy ambition into a handful of deliberate choices "
            "about where to play.",
            "I've facilitated scenario workshops for leadership groups facing market disruption "
            "and enjoy helping people see patterns across the business rather than inside one "
            "silo.",
            "I'm comfortable with ambiguity and have built several multi-year portfolios from "
            "scratch, including deciding which legacy offerings to retire.",
            "I help leaders lift their horizon: framing the problem, testing assumptions and "
            "writing a narrative an executive committee can follow.",
        ),
        skills=("strategy", "long-range planning", "scenario planning"),
        levels=(4, 7),
        weight=1.2,
        senior_expertise=(
            "Moving from running a plant to setting multi-year direction for a whole region "
            "taught me the difference between busy and consequential, and I coach people making "
            "that jump.",
        ),
    ),
    Theme(
        key="stakeholder_management",
        label="Stakeholder management",
        situations=(
            "I work with {n} different internal clients who all believe their request is the top "
            "priority",
            "A senior stakeholder in {peer_dept} went over my head to my boss last month about a "
            "delay",
            "I've just taken over a programme with a long list of sponsors and I've met only half "
            "of them",
            "Our steering group meetings turn into arguments and I leave them with more actions "
            "than decisions",
            "I tend to find out what stakeholders really think only after a decision has been "
            "made",
        ),
        desires=(
            "map who actually has influence over my projects and how to keep each of them on side",
            "say no to senior people without damaging the relationship",
            "set up a regular way of keeping sponsors informed so surprises stop happening",
            "invest in relationships with key people while I don't yet need anything from them",
            "run steering meetings that end with clear decisions",
        ),
        outcomes=(
            "my projects stop getting derailed late by people I didn't consult",
            "escalations become the exception rather than the routine",
        ),
        expertise=(
            "I've delivered large transformation programmes in a heavily matrixed organisation, "
            "where nothing moves without buy-in from people outside your line.",
            "I'm good at reading the political terrain, who holds sway and whose agenda "
            "conflicts with whose, and at building coalitions early rather than lobbying late.",
            "For {years} I was the bridge between regional heads with competing agendas, and I "
            "can help you design an engagement plan and hold firm with very senior people.",
            "I coach leaders to treat their network as an asset they invest in, with a cadence "
            "of informal conversations long before anyone needs a favour.",
        ),
        skills=("stakeholder mapping", "engagement planning", "programme governance"),
        levels=(3, 6),
        weight=1.3,
    ),
    Theme(
        key="executive_presence",
        label="Executive presence",
        situations=(
            "I freeze when senior leaders challenge my numbers in {meeting}",
            "In leadership meetings I'm often the most junior person and I hardly speak",
            "I've been told I come across as too detailed and that I lose the room",
            "People say my ideas are good but that I don't project confidence when I share them",
            "I get talked over in meetings with directors and don't know how to get back in",
        ),
        desires=(
            "hold my ground when my work is challenged by senior people",
            "come across as calm and credible in rooms where I'm the most junior",
            "get to the point faster and lead with the headline",
            "speak up earlier in leadership meetings instead of waiting for the perfect moment",
        ),
        outcomes=(
            "I'm trusted to present my team's work myself instead of my director doing it",
            "I'm considered for the next senior role",
        ),
        expertise=(
            "I've coached {count} managers on presenting to executive committees and handling "
            "hostile questions.",
            "I help people work on composure under pressure: pausing, owning what they don't "
            "know, and answering the question actually asked.",
            "A background in theatre before business gave me practical techniques for gravitas "
            "and poise that don't require becoming someone you're not.",
        ),
        skills=("executive presence", "presenting to executives", "composure"),
        levels=(4, 7),
        weight=1.2,
        senior_expertise=(
            "I sat on our executive leadership team for {years}, so I know what builds "
            "credibility at that table and what quietly undermines it.",
        ),
    ),
    Theme(
        key="public_speaking",
        label="Public speaking",
        situations=(
            "I've been asked to speak at our company town hall and I'm dreading it",
            "My hands shake and I rush when I present to more than a handful of people",
            "I have a slot at an industry conference in the autumn and I've never spoken outside "
            "the company",
            "My presentations are accurate but people tell me they're hard to follow",
            "I'm going to be running the monthly all-hands for my department from now on",
        ),
        desires=(
            "manage my nerves well enough to enjoy speaking in front of a large audience",
            "tell a story with data instead of reading out my slides",
            "prepare a talk that people still remember a week later",
            "handle questions from the floor without panicking",
        ),
        outcomes=(
            "I volunteer for speaking slots instead of avoiding them",
            "my department actually looks forward to the all-hands",
        ),
        expertise=(
            "I've delivered keynotes to several thousand people and still get stage fright, so "
            "I teach concrete routines for managing anxiety.",
            "I spent {years} in corporate communications writing speeches for executives and "
            "coaching them through rehearsals.",
            "I'm a trained facilitator and help people build a clear narrative arc, cut their "
            "deck in half and land one memorable message.",
            "I host our internal podcast and run a speakers' club, where I give practical notes "
            "on pacing, pauses and voice.",
        ),
        skills=("public speaking", "storytelling", "presentation design"),
        levels=(2, 6),
        weight=0.9,
    ),
    Theme(
        key="cross_functional_influence",
        label="Cross-functional influence",
        situations=(
            "My project depends on people in {peer_dept} who have their own priorities and no "
            "reason to help me",
            "I lead an initiative across four departments but none of the people on it report "
            "to me",
            "Whenever I need something from {peer_dept} it disappears into their backlog",
            "I'm moving into a role where I'll have to get things done through other teams",
            "My proposals make sense to my own team but fall flat with colleagues in other "
            "functions",
        ),
        desires=(
            "get commitment from teams I have no authority over",
            "understand what other functions care about so I can frame my requests in their "
            "terms",
            "build a network across the business beyond my own department",
            "lead a cross-team working group that actually delivers",
        ),
        outcomes=(
            "my project gets the support it needs without me escalating",
            "other teams come to me early instead of late",
        ),
        expertise=(
            "Most of my career has been in roles with big goals and no direct line, so I've had "
            "to rely on persuasion, reciprocity and shared incentives.",
            "I led a global process-harmonisation effort spanning procurement, finance and "
            "logistics, and I help leaders win over peers whose targets pull elsewhere.",
            "I coach people on getting things done sideways: finding mutual wins, breaking down "
            "silos and building goodwill before asking.",
            "As a programme director I assembled volunteer coalitions across half a dozen "
            "functions, and I can share what kept them motivated.",
        ),
        skills=("influencing without authority", "matrix working", "collaboration"),
        levels=(3, 6),
        weight=1.1,
    ),
    Theme(
        key="financial_acumen",
        label="Financial acumen for non-finance leaders",
        situations=(
            "I've just been handed a budget for the first time and I don't really understand the "
            "numbers I'm accountable for",
            "In business reviews finance talk about margin and working capital and I just nod "
            "along",
            "I need to build a business case for new headcount and I've never done one",
            "My area keeps overspending and I only find out at quarter end",
            "I've been asked to cut costs by ten percent and I don't know where to start",
        ),
        desires=(
            "read a P&L with confidence and explain what is driving the results",
            "build a business case that finance will take seriously",
            "understand how my decisions show up in the company's numbers",
            "forecast my budget well enough that there are no surprises",
        ),
        outcomes=(
            "I can hold my own in {meeting}",
            "my requests for investment stop coming back unanswered",
        ),
        expertise=(
            "I was a finance business partner to operations and sales leaders for {years}, and "
            "my favourite part was demystifying accounts for people who never trained in them.",
            "I teach commercial literacy: unit economics, cash flow and how investment appraisal "
            "really works inside a company like ours.",
            "I moved from engineering into general management with full profit-and-loss "
            "responsibility, so I remember how intimidating the spreadsheets were at first.",
            "I've reviewed hundreds of investment proposals and can show you what makes a capital "
            "committee lean forward or reach for the red pen.",
        ),
        skills=("financial literacy", "business cases", "p&l management"),
        levels=(3, 7),
        not_for=("Finance",),
        mentor_departments=("Finance",),
        weight=1.0,
    ),
    Theme(
        key="data_driven_decisions",
        label="Data-driven decision making",
        situations=(
            "My team makes most decisions on gut feel and whoever argues loudest",
            "We have dashboards nobody looks at and I'm not sure they measure the right things",
            "I have lots of data about my area but struggle to turn it into a recommendation",
            "I was challenged in {meeting} when I couldn't back up my proposal with evidence",
            "We've started collecting usage data and I don't know how to use it well",
        ),
        desires=(
            "choose a handful of metrics that really tell us whether we're succeeding",
            "get my team into the habit of testing assumptions with evidence",
            "learn enough about analysis to ask my analysts the right questions",
            "make decisions faster when the data is incomplete",
        ),
        outcomes=(
            "our planning discussions are about facts rather than opinions",
            "I can defend my recommendations when they're questioned",
        ),
        expertise=(
            "I built our analytics function and spent {years} helping non-specialists ask "
            "sharper questions of their figures.",
            "I design measurement frameworks with leading and lagging indicators, targets and "
            "review cadences, and I've untangled more than one KPI mess.",
            "I'm a former statistician turned operations leader, comfortable explaining "
            "uncertainty and sample sizes in plain language.",
            "I help leaders balance rigour with speed and know when a quick directional read is "
            "good enough to act on.",
        ),
        skills=("analytics", "kpi design", "data literacy"),
        levels=(2, 6),
        weight=1.0,
    ),
    Theme(
        key="negotiation",
        label="Negotiation",
        situations=(
            "I'm renegotiating our largest supplier contract next quarter",
            "I always seem to concede too quickly when a client pushes back on price",
            "I need to negotiate a bigger budget and more headcount for my team",
            "I'm about to negotiate my own salary for an internal move and I've never done it",
            "Our contract renewals with two key accounts come up in the autumn",
        ),
        desires=(
            "prepare properly for a negotiation instead of winging it",
            "hold my position under pressure without damaging the relationship",
            "find options that work for both sides rather than splitting the difference",
            "be clear on my walk-away point going into the room",
        ),
        outcomes=(
            "I stop leaving value on the table",
            "both sides leave the room willing to work together again",
        ),
        expertise=(
            "I've led procurement deals worth over a hundred million across three continents and "
            "coach on preparation: interests, alternatives and the concessions you're willing to "
            "trade.",
            "Selling enterprise software for {years} taught me how to stay firm on commercial "
            "terms while keeping the counterparty keen to close.",
            "I run bargaining simulations for our commercial academy and enjoy helping people "
            "get comfortable with silence and tension.",
            "I've sat on both sides of the table, as buyer and as seller, and can help you read "
            "what the other party really needs.",
        ),
        skills=("negotiation", "contracting", "commercial terms"),
        levels=(3, 7),
        departments=("Sales", "Supply Chain", "Legal", "Customer Success"),
        weight=0.9,
    ),
    Theme(
        key="technical_leadership",
        label="Leading technical teams",
        situations=(
            "I'm a senior engineer who has just become tech lead and I'm unsure how much code I "
            "should still write",
            "Our incident reviews have turned into blame sessions and people hide mistakes",
            "My team is drowning in technical debt and the business only cares about new "
            "features",
            "I need to explain architectural trade-offs to non-technical leaders and I lose them "
            "in the detail",
            "I've moved from managing a single squad to managing three, each with its own lead",
        ),
        desires=(
            "balance hands-on technical work with leading the team",
            "make the case for paying down technical debt in business terms",
            "build an engineering culture where people own their services",
            "get better at growing senior engineers into leads",
        ),
        outcomes=(
            "we ship reliably without relying on heroics",
            "people raise problems early instead of hiding them",
        ),
        expertise=(
            "I've led platform groups of up to eighty people and introduced blameless "
            "postmortems that genuinely changed how we learned from outages.",
            "I moved from principal developer to head of software delivery, and I coach people "
            "wrestling with the maker-to-multiplier shift.",
            "I've won roadmap space for modernising legacy systems by talking to commercial "
            "leaders about risk and speed rather than code quality.",
            "I help senior developers find their voice in architecture discussions and grow "
            "into staff-plus or management paths.",
        ),
        skills=("technical leadership", "architecture", "reliability engineering"),
        levels=(3, 7),
        departments=("Engineering",),
        only_for=("Engineering",),
        mentor_departments=("Engineering", "Product"),
        weight=1.0,
    ),
    Theme(
        key="customer_centric",
        label="Customer-centric leadership",
        situations=(
            "Our customer satisfaction scores have dropped two quarters in a row",
            "My team is very internally focused and rarely speaks to a customer",
            "We lost a major account last year and nobody could really explain why",
            "Product decisions in my area get made without anyone listening to customers",
            "I've just taken over a team where customer escalations rise every month",
        ),
        desires=(
            "bring the voice of the customer into our weekly decisions",
            "turn complaints into improvements instead of just closing tickets",
            "get my team to see problems from the customer's side",
            "make regular customer conversations part of everyone's job on the team",
        ),
        outcomes=(
            "our renewal rate goes up instead of down",
            "customers notice the difference without being told",
        ),
        expertise=(
            "I ran client experience for a subscription business where we cut churn by a third, "
            "mostly by redesigning journeys around what users told us.",
            "I've set up user-research programmes that put every department in front of real "
            "buyers at least once a quarter.",
            "Having spent {years} in frontline service roles, I can help you build empathy for "
            "the people paying the bills into everyday routines.",
            "I coach leaders on loyalty: closing the loop with buyers, measuring what matters to "
            "them, and rewarding outcomes rather than activity.",
        ),
        skills=("customer experience", "voice of the customer", "service design"),
        levels=(2, 6),
        departments=("Sales", "Customer Success", "Product", "Marketing"),
        not_for=("Legal",),
        weight=0.9,
    ),
    Theme(
        key="innovation",
        label="Innovation and experimentation",
        situations=(
            "Every new idea in my team has to go through so many approvals that people have "
            "stopped suggesting them",
            "We've been asked to come up with new revenue ideas but everything we try gets "
            "judged like a finished product",
            "My team is very good at running the existing process and nervous about trying "
            "anything new",
            "I have money for pilots this year and I'm worried about wasting it",
        ),
        desires=(
            "test ideas in small, cheap ways rather than betting big straight away",
            "make it safe for my team to try things that might not work",
            "decide quickly which ideas to stop and which to scale",
            "create a simple process for collecting and trying out ideas",
        ),
        outcomes=(
            "we learn faster than our competitors",
            "good ideas from the front line actually get a hearing",
        ),
        expertise=(
            "I led our internal venture studio for {years}, taking concepts from sketch to "
            "prototype and killing most of them quickly and cheaply.",
            "I'm a lean practitioner and help leaders frame hypotheses, design experiments and "
            "set kill criteria up front.",
            "I've built experimentation cultures in conservative businesses where failure used "
            "to be career-limiting.",
            "I coach on managing a portfolio of bets, balancing core operations with "
            "exploration, and on getting senior cover for it.",
        ),
        skills=("experimentation", "lean startup", "prototyping"),
        levels=(3, 7),
        weight=0.8,
    ),
    Theme(
        key="board_communication",
        label="Board and executive communication",
        situations=(
            "I'll be presenting to the board for the first time next quarter",
            "My papers for the executive committee keep coming back with requests for more "
            "detail",
            "I've joined the leadership team and I'm expected to brief the directors every month",
            "I struggle to condense a year of complex work into a ten-minute slot with the "
            "executive team",
            "The audit and risk committee wants me to report on our controls and I'm unsure what "
            "they need",
        ),
        desires=(
            "write board papers that lead with the decision needed",
            "pitch my level of detail right for very senior audiences",
            "handle pointed questions from non-executive directors",
            "build relationships with board members outside formal meetings",
        ),
        outcomes=(
            "the board approves my proposal the first time",
            "the executive team asks for my view rather than my data",
        ),
        expertise=(
            "For {years} I wrote and reviewed papers for our top oversight bodies, and I coach "
            "people to frame the ask, the risks and the options on a single page.",
            "I help senior managers adjust their register for chairs and investors: fewer "
            "figures, clearer judgement, and confidence in stating a recommendation.",
            "I spent three years drafting the quarterly shareholder updates our leadership sent "
            "out, so I know how much nuance survives a busy chair's reading.",
        ),
        skills=("governance", "board reporting", "executive briefing"),
        levels=(5, 8),
        weight=0.6,
        senior_expertise=(
            "I've served as a non-exec and trustee for three organisations, so I know what "
            "governance forums need from management and what frustrates them.",
            "As company secretary I sat through hundreds of governance sessions and can help you "
            "anticipate the challenges before they're raised.",
        ),
    ),
)
