"""A chapter's result table: each result checked against its bound when recorded."""

import pytest

from dl_course import runtime
from dl_course.results import ResultTable

pytestmark = pytest.mark.backend_neutral  # touches no Keras backend: `make test` covers it


def test_result_table_checks_records_and_refuses_unknown_names(monkeypatch):
    monkeypatch.setenv(runtime.ENV_PROFILE, "fast")
    monkeypatch.setenv(runtime.ENV_STRICT, "1")
    results = ResultTable({"accuracy": (0.5, 0.9, True), "loss": (1.0, 0.5, False)})
    assert results.check("accuracy", 0.75) == 0.75 and results.values == {"accuracy": 0.75}
    with pytest.raises(KeyError, match="no bound named"):
        results.check("acc", 0.75)
    with pytest.raises(runtime.ExpectationError):
        results.check("loss", 9.0)
    assert list(results.frame()["metric"]) == ["accuracy"]
