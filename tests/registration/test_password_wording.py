"""The password rules read "Kata sandi Anda" everywhere (Django's own catalog mixes in "Sandi anda")."""
from django.contrib.auth.password_validation import password_validators_help_texts
from django.utils import translation


def test_it_words_every_password_rule_as_kata_sandi_anda():
    with translation.override("id"):
        texts = [str(text) for text in password_validators_help_texts()]
    assert texts and all("Sandi anda" not in text for text in texts)
    assert all(text.startswith("Kata sandi") for text in texts), texts
