"""Synthetic people for the screening benchmarks: names from many cultures, dates, documents.

Used by ``bench/screening_accuracy.py`` (non-listed travellers, hard negatives) and
``bench/screening_speed.py`` (a synthetic 1,000,000-person watchlist). Deterministic for a
given seed. All people are fictitious: names are drawn from common-name tables and a
syllable generator per culture.
"""

from __future__ import annotations

import datetime as dt
import random

# culture: (nationalities, given names, surnames, surname syllables for the generator)
CULTURES = {
    "arabic": (
        ["SAU", "EGY", "IRQ", "SYR", "JOR", "YEM", "LBY", "DZA", "MAR", "TUN", "SDN", "ARE"],
        "MOHAMMED AHMED ALI OMAR KHALID YOUSSEF HASSAN HUSSEIN IBRAHIM ABDULLAH MAHMOUD MUSTAFA TARIQ "
        "SAMIR KARIM NABIL WALID FAISAL HAMZA BILAL ZIAD RAMI JAMAL ADEL SAMI FAHD NASSER SULTAN MAJED "
        "FATIMA AISHA MARYAM ZAINAB KHADIJA LAYLA NOOR HUDA SALMA RANIA DINA AMAL HANAN SARA YASMIN",
        "HADDAD KHOURY NASSAR SALEH MANSOUR HAMDAN AZIZ FARAH JABER AWAD ISSA BAKR QASSEM SHAMI "
        "TAHA RASHID OTHMAN ZAHRANI GHAMDI QAHTANI DOSARI MUTAIRI ANAZI HARBI OTAIBI SHEHRI MALIKI "
        "ABDELAZIZ ABDULRAHMAN BINHASSAN KHATIB MASRI HALABI TAMIMI SHAMMARI JUBURI DULAIMI OBEIDI",
        ["AL", "KA", "HA", "SA", "MA", "RA", "ZA", "DA", "NA", "BA", "JA", "QA", "TA", "FA", "WA",
         "DI", "HI", "RI", "MI", "BI", "RU", "MU", "SU", "ZU", "NI", "LI", "WI", "DA", "SH", "KH"],
    ),
    "russian": (
        ["RUS", "UKR", "BLR", "KAZ"],
        "ALEKSANDR SERGEI DMITRY ANDREI ALEKSEI MAKSIM IVAN MIKHAIL NIKOLAI VLADIMIR PAVEL YURI OLEG "
        "IGOR ROMAN ARTEM VIKTOR EVGENY ANNA OLGA ELENA NATALIA TATIANA IRINA SVETLANA EKATERINA "
        "MARIA YULIA ANASTASIA DARIA KSENIA POLINA VALENTINA LUDMILA GALINA",
        "IVANOV PETROV SMIRNOV KUZNETSOV POPOV VASILIEV SOKOLOV MIKHAILOV NOVIKOV FEDOROV MOROZOV "
        "VOLKOV ALEKSEEV LEBEDEV SEMENOV EGOROV PAVLOV KOZLOV STEPANOV NIKOLAEV ORLOV ANDREEV MAKAROV "
        "ZAKHAROV ZAITSEV SOLOVIEV BORISOV YAKOVLEV GRIGORIEV ROMANOV SHEVCHENKO KOVALENKO BONDARENKO",
        ["KO", "VA", "LE", "NO", "SO", "RO", "MI", "BO", "GO", "ZA", "TI", "PE", "DU", "SHA", "CHE",
         "KHO", "RY", "LY", "NI", "TSE"],
    ),
    "chinese": (
        ["CHN", "TWN", "SGP", "HKG"],
        "WEI FANG NA XIU YING MIN JING LI QIANG JUN YONG JIE TAO MING CHAO HUA PING GANG HUI YAN "
        "XIAO LING JIAN HONG BO LEI YU HAO YI CHEN XIN YANG LONG",
        "WANG LI ZHANG LIU CHEN YANG HUANG ZHAO WU ZHOU XU SUN MA ZHU HU GUO HE GAO LIN LUO ZHENG "
        "LIANG XIE SONG TANG HAN FENG DENG CAO PENG ZENG XIAO TIAN DONG PAN YUAN CAI JIANG YU DU",
        ["ZH", "X", "Q", "CH", "SH", "L", "W", "Y", "H", "G", "M", "T"],
    ),
    "hispanic": (
        ["ESP", "MEX", "COL", "ARG", "PER", "VEN", "CHL", "CUB", "ECU", "GTM"],
        "JOSE JUAN CARLOS LUIS ANTONIO FRANCISCO MANUEL PEDRO JAVIER MIGUEL ALEJANDRO DIEGO FERNANDO "
        "RAFAEL PABLO SERGIO JORGE ANDRES RICARDO MARIA ANA CARMEN LAURA ISABEL SOFIA LUCIA PAULA "
        "ELENA ROSA TERESA PATRICIA GABRIELA VALENTINA CAMILA",
        "GARCIA RODRIGUEZ MARTINEZ HERNANDEZ LOPEZ GONZALEZ PEREZ SANCHEZ RAMIREZ TORRES FLORES "
        "RIVERA GOMEZ DIAZ REYES MORALES CRUZ ORTIZ GUTIERREZ CHAVEZ RAMOS RUIZ ALVAREZ MENDOZA "
        "CASTILLO JIMENEZ MORENO ROMERO HERRERA MEDINA AGUILAR VARGAS CASTRO GUERRERO NORIEGA",
        ["GA", "RO", "MA", "TI", "NE", "DO", "LO", "VA", "RE", "CA", "SA", "BE", "QUE", "ZA", "LLO"],
    ),
    "english": (
        ["GBR", "USA", "CAN", "AUS", "NZL", "IRL"],
        "JAMES JOHN ROBERT MICHAEL WILLIAM DAVID RICHARD JOSEPH THOMAS CHARLES CHRISTOPHER DANIEL "
        "MATTHEW ANTHONY MARK GEORGE PAUL STEVEN ANDREW KEVIN MARY PATRICIA JENNIFER LINDA ELIZABETH "
        "BARBARA SUSAN JESSICA SARAH KAREN EMMA OLIVIA EMILY CHARLOTTE",
        "SMITH JOHNSON WILLIAMS BROWN JONES MILLER DAVIS WILSON ANDERSON TAYLOR THOMAS MOORE "
        "JACKSON MARTIN THOMPSON WHITE HARRIS CLARK LEWIS ROBINSON WALKER YOUNG ALLEN KING WRIGHT "
        "SCOTT HILL GREEN ADAMS BAKER NELSON CARTER MITCHELL ROBERTS DANIELS BUSH",
        ["WOOD", "FORD", "TON", "LEY", "SON", "HAM", "WELL", "BER", "MAN", "SHAW", "BY", "ER",
         "HAR", "CAR", "BRO", "WIN", "STAN", "ASH"],
    ),
    "german": (
        ["D", "AUT", "CHE", "NLD", "DNK", "SWE", "NOR"],
        "HANS PETER KLAUS JUERGEN WOLFGANG MICHAEL THOMAS ANDREAS STEFAN MARKUS FRANK UWE DIETER "
        "LARS JAN SVEN ERIK NILS ANNA MARIA URSULA MONIKA PETRA SABINE KATRIN JULIA INGRID ASTRID "
        "KERSTIN BIRGIT HEIKE",
        "MUELLER SCHMIDT SCHNEIDER FISCHER WEBER MEYER WAGNER BECKER SCHULZ HOFFMANN KOCH RICHTER "
        "KLEIN WOLF SCHROEDER NEUMANN SCHWARZ ZIMMERMANN BRAUN KRUEGER HANSEN JENSEN NIELSEN "
        "ANDERSSON JOHANSSON KARLSSON NILSSON LARSSON DEVRIES JANSEN BAKKER VISSER",
        ["BERG", "MANN", "HOF", "STEIN", "FELD", "BACH", "DORF", "KRA", "LEH", "SCH", "WAL", "ROS",
         "HAU", "MEI", "BRU"],
    ),
    "french": (
        ["FRA", "BEL", "CHE", "CAN", "SEN", "CIV", "CMR"],
        "JEAN PIERRE MICHEL PHILIPPE ALAIN NICOLAS FRANCOIS LAURENT JULIEN OLIVIER THIERRY PATRICK "
        "MARIE NATHALIE ISABELLE SYLVIE CATHERINE SOPHIE CHRISTINE CELINE AMADOU MAMADOU OUSMANE "
        "ABDOULAYE MOUSSA FATOU AMINATA AWA",
        "MARTIN BERNARD DUBOIS THOMAS ROBERT RICHARD PETIT DURAND LEROY MOREAU SIMON LAURENT "
        "LEFEBVRE MICHEL GARCIA DAVID BERTRAND ROUX VINCENT FOURNIER DIALLO TRAORE KONE COULIBALY "
        "DIOP NDIAYE CISSE SOW CAMARA KEITA",
        ["BOU", "LE", "MON", "CHA", "VIL", "RO", "BER", "GI", "LA", "TRE", "FON", "DU"],
    ),
    "south_asian": (
        ["IND", "PAK", "BGD", "LKA", "NPL", "AFG"],
        "RAHUL AMIT VIJAY SANJAY RAJESH SURESH RAVI ANIL SUNIL DEEPAK ARJUN VIKRAM IMRAN ASIF "
        "TARIQ FAROOQ ZAHID SHAHID NAVEED WAQAS PRIYA ANJALI SUNITA NEHA POOJA KAVITA AYESHA SANA "
        "NADIA FARIDA RUKHSANA GULALAI",
        "SHARMA VERMA GUPTA SINGH KUMAR PATEL SHAH MEHTA JOSHI REDDY RAO NAIR IYER CHOPRA KAPOOR "
        "MALIK KHAN QURESHI CHAUDHRY BUTT AWAN RAJPUT HUSSAIN RAHMAN ISLAM UDDIN AHMADZAI "
        "STANIKZAI POPALZAI DURRANI YUSUFZAI",
        ["RA", "JA", "SH", "KA", "PRA", "DEV", "AN", "WA", "ZAI", "GUL", "MIR", "NA", "BHA", "CHA"],
    ),
    "african": (
        ["NGA", "KEN", "ETH", "GHA", "TZA", "UGA", "COD", "SOM", "RWA", "ZAF"],
        "CHINEDU EMEKA OLUWASEUN TUNDE KWAME KOFI YAW AMARE TESFAYE DAWIT JOSEPH BARACK ERIC "
        "FRANK GASTON INNOCENT ABDIRAHMAN ABDI FARAH NGOZI CHIOMA ADAEZE AMA ABENA WANJIRU AMINA "
        "HALIMA ZAWADI NEEMA",
        "OKAFOR OKONKWO ADEYEMI BELLO MENSAH OWUSU ASANTE KAMAU OTIENO MWANGI ODHIAMBO KIPLAGAT "
        "HAILE TADESSE BEKELE GIRMA NDAYISHIMIYE MUGABO NTAGANDA BADEGE WARSAME HASSAN JAMA OMONDI "
        "MUTUA NKURUNZIZA NZEYIMANA",
        ["KA", "MU", "NGO", "OKO", "NYA", "WE", "BA", "TU", "ZI", "RE", "MBA", "DI", "SE", "KI"],
    ),
    "turkish_persian": (
        ["TUR", "IRN", "AZE", "UZB", "TJK", "TKM"],
        "MEHMET MUSTAFA AHMET ALI HUSEYIN HASAN IBRAHIM MURAT EMRE BURAK REZA MEHDI HOSSEIN AMIR "
        "DARIUSH FARHAD KAMRAN RUSTAM BAHROM TIMUR AYSE FATMA EMINE ZEYNEP ELIF SHIRIN PARISA "
        "MARYAM NILUFAR GULNARA",
        "YILMAZ KAYA DEMIR SAHIN CELIK YILDIZ YILDIRIM OZTURK AYDIN OZDEMIR ARSLAN DOGAN KILIC "
        "ASLAN CETIN KARA KOC KURT OZKAN AHMADI HOSSEINI MOHAMMADI REZAEI MOUSAVI KARIMI RAHIMI "
        "KARIMOV RAHIMOV ALIYEV MAMMADOV TASHKENTOV YUSUPOV",
        ["OZ", "KAR", "DEM", "YIL", "AK", "TAS", "BEK", "OV", "ZA", "DEH", "NEJ", "PUR", "GUL"],
    ),
    "east_asian": (
        ["KOR", "PRK", "JPN", "VNM", "THA", "PHL", "IDN", "MYS"],
        "MINJUN SEOJUN JIHO HYUN JONG SUNG YOUNG HIROSHI TAKESHI KENJI YUKI HARUTO SAKURA AIKO "
        "MINH DUC ANH THANH SOMCHAI SOMSAK BUDI AGUS SITI DEWI NUR AHMAD JOSE MARIA",
        "KIM LEE PARK CHOI JUNG KANG CHO YOON JANG LIM SATO SUZUKI TAKAHASHI TANAKA WATANABE "
        "ITO YAMAMOTO NAKAMURA NGUYEN TRAN LE PHAM HOANG VU SANTOS REYES CRUZ BAUTISTA "
        "WIJAYA SANTOSO HALIM SUKARNO",
        ["KA", "TA", "NA", "MO", "SU", "YA", "HO", "NG", "PH", "SO", "WI", "RA", "KU"],
    ),
}


def _generated_surname(rng: random.Random, syllables: list[str]) -> str:
    """A plausible surname from a culture's syllables (two to four of them)."""
    return "".join(rng.choice(syllables) for _ in range(rng.randint(2, 4)))


class PeopleGenerator:
    """Deterministic fictitious people: name parts, birth date, sex, nationality, culture."""

    def __init__(self, seed: int = 7, generated_share: float = 0.6):
        self.rng = random.Random(seed)
        self.generated_share = generated_share
        self.cultures = list(CULTURES)
        self.tables = {
            c: (nats, given.split(), sur.split(), syl) for c, (nats, given, sur, syl) in CULTURES.items()
        }

    def name(self, culture: str | None = None) -> tuple[str, str, str]:
        """(culture, surname, given names) of a new fictitious person."""
        rng = self.rng
        culture = culture or rng.choice(self.cultures)
        _, given, sur, syl = self.tables[culture]
        # Zipf-like: the first names of each table are much more frequent
        g = [given[min(int(rng.paretovariate(1.1)) - 1, len(given) - 1) if rng.random() < 0.5 else rng.randrange(len(given))]
             for _ in range(rng.choice((1, 1, 2, 2, 3)))]
        s_parts = []
        for _ in range(rng.choice((1, 1, 1, 2))):
            if rng.random() < self.generated_share:
                s_parts.append(_generated_surname(rng, syl))
            else:
                s_parts.append(rng.choice(sur))
        return culture, " ".join(s_parts), " ".join(dict.fromkeys(g))

    def person(self, culture: str | None = None) -> dict:
        """A fictitious person: names, birth date, sex, nationality."""
        rng = self.rng
        culture, surname, given = self.name(culture)
        nats = self.tables[culture][0]
        birth = dt.date(1940, 1, 1) + dt.timedelta(days=rng.randrange(68 * 365))
        return {
            "culture": culture,
            "surname": surname,
            "given_names": given,
            "birth_date": birth.isoformat(),
            "sex": rng.choice("MF"),
            "nationality": rng.choice(nats),
        }

    def document_number(self) -> str:
        """A fictitious passport number (letter prefix and digits)."""
        rng = self.rng
        return rng.choice("ABCDEFGHKLMNPRSTUVXYZ") + "".join(rng.choice("0123456789") for _ in range(rng.choice((7, 8))))
