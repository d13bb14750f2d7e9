"""Name banks for sample participants, grouped by naming tradition.

Each tradition carries the ISO 639-1 code of its heritage language, which nudges (never forces)
the second language a person lists when their office's region speaks it too.
"""

from __future__ import annotations

from typing import NamedTuple


class NameTradition(NamedTuple):
    """First and last names that plausibly go together, and their heritage language."""

    first: tuple[str, ...]
    last: tuple[str, ...]
    language: str


TRADITIONS: dict[str, NameTradition] = {
    "british": NameTradition(
        ("Oliver", "Amelia", "James", "Charlotte", "Harry", "Sophie", "Thomas", "Emily",
         "Daniel", "Grace", "Samuel", "Hannah", "Jack", "Lucy", "Rhys", "Megan", "Callum",
         "Eleanor"),
        ("Smith", "Taylor", "Brown", "Wilson", "Evans", "Walker", "Wright", "Hughes", "Clarke",
         "Turner", "Harrison", "Bennett", "Mitchell", "Foster", "Hayes", "Pritchard", "Ashworth",
         "Fairbairn"),
        "en",
    ),
    "north_american": NameTradition(
        ("Tyler", "Madison", "Jordan", "Brianna", "Marcus", "Kayla", "Jamal", "Destiny", "Ethan",
         "Avery", "Cody", "Shanice", "Logan", "Whitney"),
        ("Johnson", "Williams", "Miller", "Davis", "Anderson", "Jackson", "Thompson", "Robinson",
         "Coleman", "Brooks", "Sanders", "Reed", "Washington", "Palmer"),
        "en",
    ),
    "irish": NameTradition(
        ("Aoife", "Ciarán", "Niamh", "Seán", "Eoin", "Róisín", "Cormac", "Siobhán", "Darragh",
         "Orla"),
        ("O'Brien", "Murphy", "Kelly", "Byrne", "O'Connor", "Doyle", "Gallagher", "McCarthy",
         "Brennan", "Ní Bhriain"),
        "ga",
    ),
    "german": NameTradition(
        ("Lukas", "Anna", "Jonas", "Lena", "Felix", "Katharina", "Maximilian", "Jürgen",
         "Sabine", "Tobias", "Miriam", "Björn", "Anke", "Henrike"),
        ("Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Wagner", "Becker", "Hoffmann",
         "Schäfer", "Koch", "Richter", "Krüger", "Weiß", "Vogel"),
        "de",
    ),
    "french": NameTradition(
        ("Camille", "Lucas", "Chloé", "Hugo", "Léa", "Antoine", "Manon", "Julien", "Élodie",
         "Mathieu", "Inès", "Théo", "Margaux", "Benoît"),
        ("Martin", "Bernard", "Dubois", "Lefèvre", "Moreau", "Laurent", "Girard", "Bonnet",
         "Fontaine", "Rousseau", "Mercier", "Chevalier", "Faure", "Besson"),
        "fr",
    ),
    "spanish": NameTradition(
        ("Lucía", "Javier", "María", "Alejandro", "Carmen", "Pablo", "Elena", "Sergio", "Marta",
         "Álvaro", "Nuria", "Iker", "Montserrat", "Jordi"),
        ("García", "Fernández", "López", "Martínez", "Sánchez", "Romero", "Navarro", "Torres",
         "Ruiz", "Ortega", "Domínguez", "Castillo", "Puig", "Etxeberria"),
        "es",
    ),
    "latin_american": NameTradition(
        ("Valentina", "Santiago", "Camila", "Mateo", "Daniela", "Sebastián", "Ximena", "Andrés",
         "Florencia", "Joaquín", "Mariana", "Emiliano", "Renata", "Diego"),
        ("Hernández", "Ramírez", "Gómez", "Vargas", "Morales", "Rojas", "Gutiérrez", "Mendoza",
         "Herrera", "Aguilar", "Cárdenas", "Quintero", "Villalobos", "Peña"),
        "es",
    ),
    "brazilian": NameTradition(
        ("João", "Ana", "Pedro", "Beatriz", "Rafael", "Larissa", "Gustavo", "Fernanda", "Thiago",
         "Juliana", "Bruno", "Gabriela", "Leonardo", "Luana"),
        ("Silva", "Santos", "Oliveira", "Souza", "Pereira", "Costa", "Almeida", "Ferreira",
         "Rodrigues", "Carvalho", "Ribeiro", "Nascimento", "Araújo", "Barbosa"),
        "pt",
    ),
    "italian": NameTradition(
        ("Giulia", "Marco", "Francesca", "Alessandro", "Chiara", "Lorenzo", "Martina", "Davide",
         "Federica", "Niccolò"),
        ("Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci",
         "Marino", "Greco", "Conti", "De Luca"),
        "it",
    ),
    "dutch": NameTradition(
        ("Sanne", "Daan", "Lotte", "Bram", "Femke", "Joris", "Eline", "Thijs", "Anouk", "Sjoerd"),
        ("de Jong", "Jansen", "de Vries", "van den Berg", "Bakker", "Visser", "Smit", "Meijer",
         "Mulder", "van Dijk", "Hendriks", "Brouwer"),
        "nl",
    ),
    "nordic": NameTradition(
        ("Astrid", "Erik", "Ingrid", "Lars", "Freja", "Magnus", "Sigrid", "Henrik", "Linnea",
         "Søren", "Maja", "Oskar"),
        ("Andersson", "Johansson", "Lindqvist", "Nilsson", "Hansen", "Larsen", "Berg",
         "Nyström", "Dahl", "Lund", "Sjöberg", "Holm"),
        "sv",
    ),
    "polish": NameTradition(
        ("Katarzyna", "Piotr", "Agnieszka", "Tomasz", "Magdalena", "Łukasz", "Zofia", "Paweł",
         "Joanna", "Michał", "Aleksandra", "Krzysztof"),
        ("Nowak", "Wójcik", "Kowalczyk", "Mazur", "Krawczyk", "Zając", "Król", "Wieczorek",
         "Pawlak", "Michalak", "Sikora", "Baran"),
        "pl",
    ),
    "south_asian": NameTradition(
        ("Priya", "Arjun", "Ananya", "Rohan", "Kavya", "Vikram", "Sneha", "Aditya", "Divya",
         "Rahul", "Meera", "Karthik", "Lakshmi", "Siddharth", "Nisha", "Imran", "Farah",
         "Harpreet", "Deepa", "Suresh"),
        ("Sharma", "Patel", "Iyer", "Reddy", "Nair", "Gupta", "Menon", "Rao", "Desai",
         "Chatterjee", "Krishnan", "Banerjee", "Kulkarni", "Singh", "Khan", "Joshi", "Pillai",
         "Mehta"),
        "hi",
    ),
    "chinese": NameTradition(
        ("Wei", "Mei", "Jun", "Xiaoling", "Hao", "Yan", "Jing", "Lei", "Ling", "Zhen", "Yuting",
         "Jia Hui", "Kai", "Shu Fen"),
        ("Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou", "Lin",
         "Tan", "Lim", "Ng", "Goh"),
        "zh",
    ),
    "japanese": NameTradition(
        ("Haruka", "Kenji", "Yui", "Takeshi", "Aiko", "Daisuke", "Sakura", "Hiroshi", "Emi",
         "Ryo"),
        ("Sato", "Suzuki", "Takahashi", "Tanaka", "Watanabe", "Ito", "Yamamoto", "Nakamura",
         "Kobayashi", "Kato"),
        "ja",
    ),
    "korean": NameTradition(
        ("Ji-woo", "Min-jun", "Seo-yeon", "Ji-ho", "Ha-eun", "Hyun-woo", "Soo-jin", "Dong-hyun"),
        ("Kim", "Lee", "Park", "Choi", "Jung", "Kang", "Cho", "Yoon"),
        "ko",
    ),
    "filipino": NameTradition(
        ("Angelica", "Paolo", "Marisol", "Jericho", "Rowena", "Carlo", "Kristine", "Joel"),
        ("Reyes", "Cruz", "Bautista", "Dela Cruz", "Villanueva", "Aquino", "Manalo", "Pascual"),
        "tl",
    ),
    "vietnamese": NameTradition(
        ("Minh", "Linh", "Thanh", "Huong", "Quang", "Thu", "Bao", "Ngoc"),
        ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi"),
        "vi",
    ),
    "malay": NameTradition(
        ("Nurul", "Farid", "Siti", "Arif", "Aisyah", "Hafiz"),
        ("Rahman", "Ismail", "Abdullah", "Yusof", "Hamid", "Osman"),
        "ms",
    ),
    "west_african": NameTradition(
        ("Chidi", "Ngozi", "Oluwaseun", "Adaeze", "Emeka", "Folake", "Tunde", "Chiamaka",
         "Kwame", "Ama", "Kofi", "Yewande"),
        ("Okafor", "Adeyemi", "Okonkwo", "Balogun", "Eze", "Nwosu", "Oyelaran", "Mensah",
         "Boateng", "Asante", "Adebayo", "Obi"),
        "yo",
    ),
    "east_african": NameTradition(
        ("Wanjiru", "Amani", "Achieng", "Baraka", "Njeri", "Otieno", "Akinyi", "Kiprono"),
        ("Kamau", "Mwangi", "Njoroge", "Odhiambo", "Wambui", "Kariuki", "Chebet", "Omondi"),
        "sw",
    ),
    "southern_african": NameTradition(
        ("Zanele", "Thabo", "Lerato", "Sipho", "Nomvula", "Kagiso", "Neo", "Pieter", "Anika"),
        ("Dlamini", "Nkosi", "Ndlovu", "Mokoena", "Khumalo", "Botha", "van der Merwe", "Naidoo",
         "Molefe"),
        "zu",
    ),
    "arabic": NameTradition(
        ("Omar", "Layla", "Youssef", "Nour", "Karim", "Yasmin", "Tariq", "Rania", "Hassan",
         "Salma", "Amira", "Khalid"),
        ("Haddad", "Mansour", "Khalil", "Nasser", "Farouk", "Saleh", "Aziz", "Hamdan",
         "El-Amin", "Darwish", "Al-Sayed", "Qureshi"),
        "ar",
    ),
    "turkish": NameTradition(
        ("Elif", "Emre", "Zeynep", "Mehmet", "Ayşe", "Burak", "Selin", "Can"),
        ("Yılmaz", "Kaya", "Demir", "Şahin", "Çelik", "Aydın", "Öztürk", "Arslan"),
        "tr",
    ),
    "greek": NameTradition(
        ("Eleni", "Nikos", "Dimitra", "Yannis", "Sofia", "Kostas"),
        ("Papadopoulos", "Georgiou", "Konstantinou", "Alexiou", "Nikolaidis", "Vlachos"),
        "el",
    ),
    "maori_pacific": NameTradition(
        ("Aroha", "Tane", "Mere", "Wiremu", "Anahera", "Rawiri"),
        ("Ngata", "Parata", "Tipene", "Horomona", "Te Awa", "Fa'alogo"),
        "mi",
    ),
}

#: Traditions in a fixed order, so draws do not depend on dict or set iteration quirks.
TRADITION_KEYS: tuple[str, ...] = tuple(TRADITIONS)
