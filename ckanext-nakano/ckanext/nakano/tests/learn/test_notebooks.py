"""The Python lessons' notebooks, executed top to bottom by a real kernel (nbclient, ipykernel)
against the portal `make up` brings up (conftest's ``portal``), through its public API only,
as a trainee runs them: a lesson that stops working fails here."""
from __future__ import annotations

import time

import nbformat
import pytest
import requests
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from ckanext.nakano.learn import lessons as lesson_files

pytestmark = pytest.mark.services

NOTEBOOK_LESSONS = [lesson for lesson in lesson_files.all_lessons() if lesson.notebook]
JOB_WAIT = 900   # a fresh portal loads the demo files into the DataStore in the background


def _tables_loaded(url: str, names: tuple[str, ...]) -> None:
    deadline = time.monotonic() + JOB_WAIT
    for name in names:
        while True:
            dataset = requests.get(f"{url}/api/3/action/package_show", params={"id": name},
                                   timeout=30).json()["result"]
            if any(r.get("datastore_active") for r in dataset["resources"]):
                break
            assert time.monotonic() < deadline, f"{name}'s file is not in the DataStore after {JOB_WAIT} s"
            time.sleep(5)


def _text_of(cell: dict) -> str:
    parts = []
    for output in cell.get("outputs", []):
        parts.append(output.get("text", ""))
        parts.append(str(output.get("data", {}).get("text/plain", "")))
    return "".join(parts)


@pytest.mark.parametrize("lesson", NOTEBOOK_LESSONS, ids=[lesson.slug for lesson in NOTEBOOK_LESSONS])
def test_the_lessons_notebook_runs_to_its_end_against_the_portal(portal, lesson, monkeypatch):
    assert portal["first"].returncode == 0, portal["first"].stdout[-2000:]
    _tables_loaded(portal["url"], lesson.datasets)
    notebook = nbformat.read(lesson_files.NOTEBOOKS / lesson.notebook, as_version=4)
    # The kernel inherits this process's environment: the notebook reads the portal from it.
    monkeypatch.setenv("NAKANO_PORTAL", portal["url"])
    client = NotebookClient(notebook, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(lesson_files.NOTEBOOKS)}})
    try:
        client.execute()
    except CellExecutionError as error:
        pytest.fail(f"{lesson.notebook} stopped: {error}", pytrace=False)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert all(cell.get("execution_count") for cell in code), "a cell did not run"
    printed = "\n".join(_text_of(cell) for cell in code)
    assert portal["url"] in printed                      # it talked to the test portal, not another
    assert "一致しました" in printed                      # the counts equal the portal's chart
    assert not any(o.get("output_type") == "error" for cell in code for o in cell.get("outputs", []))
