"""Class 2 (the static scan is evaded): the whole implementation arrives as a base64
string and is exec'd (code no one can read or compare). A pass may stand, but it must
carry the run-time flag.

exercise: probe
expected: flag exec at 11
"""

import base64

exec(base64.b64decode("ZGVmIGFuc3dlcigpOgogICAgcmV0dXJuIDQyCg==").decode())
