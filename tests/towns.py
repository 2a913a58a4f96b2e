"""Real French towns (near their town hall) used by every app's test factories: one table."""

from typing import NamedTuple


class Town(NamedTuple):
    lon: float
    lat: float
    nom: str
    code_insee: str
    code_postal: str
    departement: str


TOWNS = {
    "digne": Town(6.2357, 44.0925, "Digne-les-Bains", "04070", "04000", "04"),
    "barcelonnette": Town(6.6517, 44.3868, "Barcelonnette", "04019", "04400", "04"),
    "sisteron": Town(5.9437, 44.1955, "Sisteron", "04209", "04200", "04"),
    "manosque": Town(5.7868, 43.8329, "Manosque", "04112", "04100", "04"),
    "forcalquier": Town(5.7800, 43.9597, "Forcalquier", "04088", "04300", "04"),
    "castellane": Town(6.5131, 43.8470, "Castellane", "04039", "04120", "04"),
    "gap": Town(6.0794, 44.5594, "Gap", "05061", "05000", "05"),
    "tallard": Town(6.0559, 44.4622, "Tallard", "05170", "05130", "05"),
    "briancon": Town(6.6436, 44.8986, "Briançon", "05023", "05100", "05"),
    "embrun": Town(6.4950, 44.5640, "Embrun", "05046", "05200", "05"),
    "saint-denis": Town(55.4481, -20.8823, "Saint-Denis", "97411", "97400", "974"),
    "saint-pierre": Town(55.4781, -21.3393, "Saint-Pierre", "97416", "97410", "974"),
    "saint-paul": Town(55.2707, -21.0096, "Saint-Paul", "97415", "97460", "974"),
    "le-port": Town(55.2920, -20.9370, "Le Port", "97407", "97420", "974"),
    "pertuis": Town(5.5019, 43.6946, "Pertuis", "84089", "84120", "84"),  # outside the demo
}
