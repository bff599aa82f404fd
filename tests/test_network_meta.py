"""The Graph pieces every Meta network shares (socialpost.networks.common.meta): the version
policy, Graph's error body and its codes, the usage headers, batch answers and Graph's times."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest

from socialpost.networks.common.meta import (
    GraphErrorBody,
    batch_answers,
    batch_form,
    error_kind,
    graph_time,
    graph_version_setting,
    graph_versions,
    item_reason,
    regain_access,
)
from socialpost.networks.facebook import API_VERSIONS as FACEBOOK_VERSIONS

TOKEN = "EAAGm0PX4ZCpsBAKZAZBZCtoken"


def test_the_graph_policy_is_the_same_for_every_meta_network_under_its_own_name() -> None:
    facebook, instagram = graph_versions("facebook"), graph_versions("instagram")
    assert facebook == FACEBOOK_VERSIONS
    assert (instagram.network, instagram.setting) == ("instagram", "graph_version")
    assert (instagram.version, instagram.sunset) == ("v24.0", date(2028, 2, 18))
    assert instagram.known_sunsets == facebook.known_sunsets
    assert instagram.forwards_retired


@pytest.mark.parametrize(("written", "kept"), [("v24.0", "v24.0"), (" 23.0 ", "v23.0"), (None, None)])
def test_a_graph_version_setting_is_written_as_graph_writes_it(written: str | None, kept: str | None) -> None:
    assert graph_version_setting(written) == kept


@pytest.mark.parametrize("written", ["24", "v24", "latest", "v24.0.1"])
def test_a_malformed_graph_version_setting_is_refused(written: str) -> None:
    with pytest.raises(ValueError, match=r"like v24\.0"):
        graph_version_setting(written)


def test_graph_error_body_is_read_with_the_token_blanked_on_one_line_and_cut() -> None:
    body = {
        "error": {
            "message": f"Invalid OAuth access token\n  {TOKEN} " + "x" * 400,
            "type": "OAuthException",
            "code": "190",
            "error_subcode": 463,
            "fbtrace_id": "AbC123",
        }
    }
    error = GraphErrorBody.parse(body, [TOKEN])
    assert error is not None
    assert (error.code, error.subcode, error.trace, error.number, error.kind) == (
        190,
        463,
        "AbC123",
        "190/463",
        "token",
    )
    assert TOKEN not in error.message
    assert "\n" not in error.message
    assert len(error.message) == 300
    assert GraphErrorBody.parse({"data": []}, []) is None
    assert GraphErrorBody.parse(None, []) is None


def test_a_graph_error_names_the_permissions_its_message_names_each_once() -> None:
    body = {
        "error": {"code": 200, "message": "Requires pages_manage_posts and pages_read_engagement, pages_manage_posts"}
    }
    error = GraphErrorBody.parse(body, [])
    assert error is not None
    assert error.number == "200"
    assert error.permissions() == ["pages_manage_posts", "pages_read_engagement"]


@pytest.mark.parametrize(
    ("code", "subcode", "kind"),
    [
        (190, None, "token"),
        (102, None, "token"),
        (10, None, "permission"),
        (294, None, "permission"),
        (4, None, "rate"),
        (80001, None, "rate"),
        (80014, None, "rate"),
        (368, None, "abuse"),
        (506, None, "duplicate"),
        (2, None, "transient"),
        (100, 33, "not_found"),
        (100, None, "invalid"),
        (803, None, "other"),
        (None, None, "other"),
    ],
)
def test_graph_codes_fall_into_their_families(code: int | None, subcode: int | None, kind: str) -> None:
    assert error_kind(code, subcode) == kind


def test_the_longest_wait_in_the_usage_headers_is_when_access_comes_back() -> None:
    headers = {
        "x-business-use-case-usage": json.dumps({"1": [{"estimated_time_to_regain_access": 12}, {"x": "7"}]}),
        "x-app-usage": json.dumps({"call_count": 100, "estimated_time_to_regain_access": "30"}),
        "x-page-usage": "not json",
    }
    assert regain_access(headers) == timedelta(minutes=30)
    assert regain_access({"x-app-usage": json.dumps({"estimated_time_to_regain_access": 0})}) is None
    assert regain_access({}) is None


def test_a_batch_answer_gives_one_status_and_body_per_request() -> None:
    form = batch_form([{"method": "GET", "relative_url": "1_2?fields=shares"}])
    assert json.loads(form["batch"]) == [{"method": "GET", "relative_url": "1_2?fields=shares"}]
    assert form["include_headers"] == "false"
    data = [{"code": 200, "body": '{"id": "1_2"}'}, None, {"code": 400, "body": "{broken"}]
    assert batch_answers(data, 4) == [(200, {"id": "1_2"}), (0, None), (400, None), (0, None)]
    assert batch_answers({"error": {}}, 1) is None


def test_a_failed_batch_item_is_described_for_the_log() -> None:
    assert item_reason(400, {"error": {"code": 100, "message": "Invalid\nmetric"}}) == "code 100: Invalid metric"
    assert item_reason(500, None) == "status 500"
    assert item_reason(0, None) == "no answer"


def test_graph_times_are_read_as_utc() -> None:
    assert graph_time("2027-03-02T15:04:05+0000") == datetime(2027, 3, 2, 15, 4, 5, tzinfo=UTC)
    assert graph_time("2027-03-02T17:04:05.250+0200") == datetime(2027, 3, 2, 15, 4, 5, 250000, tzinfo=UTC)
    assert graph_time("yesterday") is None
    assert graph_time(None) is None
