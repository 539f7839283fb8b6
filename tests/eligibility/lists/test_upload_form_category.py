"""The list upload form asks for the list: an empty first choice, and a file without one is refused."""
from django.core.files.uploadedfile import SimpleUploadedFile

from eligibility.lists.forms import ExclusionListUploadForm


def test_it_starts_on_an_empty_choice():
    field = ExclusionListUploadForm().fields["category"]
    assert field.choices[0][0] == "" and field.required
    assert 'selected>' in str(ExclusionListUploadForm()["category"]).split("</option>")[0]


def test_it_refuses_a_file_without_a_list():
    form = ExclusionListUploadForm(data={"category": ""},
                                   files={"file": SimpleUploadedFile("asn.csv", b"nik\n3201014101850001\n")})
    assert not form.is_valid() and form.has_error("category", "required")
