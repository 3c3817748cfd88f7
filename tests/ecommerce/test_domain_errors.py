"""ecommerce.exceptions.DomainError: a service's refusal, rendered by the API's exception handler as a problem."""

from http import HTTPStatus

from rest_framework.test import APIRequestFactory

import ecommerce.api
from catalog.exceptions import InsufficientStock
from ecommerce.api import PROBLEM_CONTENT_TYPE, problem_exception_handler
from ecommerce.exceptions import DomainError
from orders.exceptions import InvalidOrder


class ParcelTooHeavy(DomainError, status=HTTPStatus.UNPROCESSABLE_ENTITY, code="parcel_too_heavy", title="Too heavy"):
    """A domain error declared the way the apps declare theirs."""


def handled(error: Exception):
    request = APIRequestFactory().post("/api/v1/anything")
    return problem_exception_handler(error, {"request": request})


def test_a_domain_error_becomes_a_problem_with_its_status_code_title_detail_and_errors():
    response = handled(ParcelTooHeavy("Parcels weigh at most 30 kg.", errors={"items.0.weight": ["At most 30."]}))

    assert response.status_code == 422
    assert response.content_type == PROBLEM_CONTENT_TYPE
    assert response.data == {
        "type": "urn:ecommerce:problem:parcel-too-heavy",
        "title": "Too heavy",
        "status": 422,
        "detail": "Parcels weigh at most 30 kg.",
        "errors": {"items.0.weight": ["At most 30."]},
    }


def test_without_a_detail_the_title_is_the_detail_and_there_is_no_errors_member():
    response = handled(ParcelTooHeavy())

    assert response.data["detail"] == "Too heavy" and "errors" not in response.data


def test_a_subclass_without_keywords_keeps_its_parents_answer():
    class Heavier(ParcelTooHeavy):
        pass

    assert (Heavier.status_code, Heavier.code, Heavier.title) == (422, "parcel_too_heavy", "Too heavy")
    assert (DomainError.status_code, DomainError.code) == (409, "conflict")


def test_the_apps_errors_are_domain_errors_with_their_documented_answers():
    assert ecommerce.api.DomainError is DomainError  # the API's import path names the same class
    short = handled(InsufficientStock(available={1: 3}))

    assert (short.status_code, short.data["type"]) == (409, "urn:ecommerce:problem:insufficient-stock")
    assert short.data["errors"] == {"items.1.quantity": ["Only 3 available."]}
    assert handled(InvalidOrder("x")).data["type"] == "urn:ecommerce:problem:validation-error"
