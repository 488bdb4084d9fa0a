"""South African identity checks: SA ID numbers (python-stdnum) against date of birth and gender."""

from datetime import date

from django.core.exceptions import ValidationError
from stdnum import exceptions as stdnum_errors
from stdnum.za import idnr

from clinical.choices import Gender


def clean_sa_id(number: str) -> str:
    """The compact, validated 13-digit number; ValidationError explains what is wrong."""
    try:
        return idnr.validate(number)
    except stdnum_errors.InvalidChecksum as error:
        raise ValidationError("This SA ID number's check digit is wrong; please re-check the number.") from error
    except stdnum_errors.InvalidLength as error:
        raise ValidationError("An SA ID number has 13 digits.") from error
    except stdnum_errors.ValidationError as error:
        raise ValidationError("This is not a valid SA ID number.") from error


def id_mismatches(number: str, *, date_of_birth: date | None, gender: str | None) -> dict[str, str]:
    """Fields that disagree with what the ID number encodes (YYMMDD, and SSSS for gender)."""
    errors = {}
    if date_of_birth and number[:6] != date_of_birth.strftime("%y%m%d"):
        errors["date_of_birth"] = "The date of birth does not match the SA ID number."
    encoded = Gender.MALE if idnr.get_gender(number) == "M" else Gender.FEMALE
    if gender in (Gender.MALE, Gender.FEMALE) and gender != encoded:
        errors["gender"] = f"The SA ID number is registered as {encoded.label.lower()}."
    return errors
