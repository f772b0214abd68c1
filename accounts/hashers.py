"""The hasher of generated initial passwords.

Opening a county's 1,600 teacher accounts at once would spend most of a minute in the default
PBKDF2 (a million iterations each). A generated password is long and random (no dictionary to try
first) and lives only until the first login, where Django re-hashes it with the default hasher
(its algorithm is not the preferred one) just before the forced password change replaces it.
"""

from django.contrib.auth.hashers import PBKDF2PasswordHasher


class InitialPasswordHasher(PBKDF2PasswordHasher):
    algorithm = "pbkdf2_sha256_initial"
    iterations = 20_000
