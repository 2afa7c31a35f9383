"""aiogram imported through ``import_aiogram`` builds its types when first used, and builds
them exactly as an ordinary import does.

Each case runs in a fresh interpreter: this test process may have imported aiogram already.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]

SCHEMAS = textwrap.dedent(
    """
    import json, re, sys
    from pydantic import BaseModel

    original = BaseModel.__dict__["model_rebuild"]
    if sys.argv[1] == "deferred":
        from notifier.channels.telegram_models import import_aiogram

        import_aiogram()
    import aiogram.types as T

    def models():
        for name in T.__all__:
            cls = getattr(T, name)
            if isinstance(cls, type) and issubclass(cls, BaseModel):
                yield name, cls

    def build_all():
        out = {}
        for name, cls in models():
            try:
                cls.__pydantic_validator__.validate_python  # builds it
                fields = {
                    f: re.sub(r" at 0x[0-9a-f]+", "", repr(info.annotation))  # no addresses
                    for f, info in cls.model_fields.items()
                }
                out[name] = [fields, cls.__pydantic_complete__]
            except Exception as exc:
                out[name] = f"{type(exc).__name__}: {exc}"
        for name in ("Update", "Message", "CallbackQuery", "InlineKeyboardMarkup", "User"):
            out[name].append(getattr(T, name).model_json_schema(mode="validation"))
        return out

    def sample():
        update = T.Update.model_validate({
            "update_id": 7,
            "message": {
                "message_id": 1, "date": 1700000000, "text": "/status 3",
                "chat": {"id": 42, "type": "private"},
                "from": {"id": 42, "is_bot": False, "first_name": "Sara"},
                "contact": {"phone_number": "+4520100001", "first_name": "Sara", "user_id": 42},
                "reply_markup": {"inline_keyboard": [[{"text": "OK", "callback_data": "a:1"}]]},
            },
        })
        return update.model_dump(mode="json", exclude_none=True)

    built_before = sorted(name for name, cls in models() if cls.__pydantic_complete__)

    def nested():
        return sample()  # from a deeper frame than module level, as in a handler

    result = {
        "built_at_import": built_before,
        "sample": nested(),
        "schemas": build_all(),
        "all_built": all(cls.__pydantic_complete__ for _, cls in models()),
        "rebuild_restored": BaseModel.__dict__["model_rebuild"] is original,
    }
    print(json.dumps(result, sort_keys=True, default=str))
    """
)


def _start(mode: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", SCHEMAS, mode],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _result(process: subprocess.Popen[str]) -> dict[str, Any]:
    out, err = process.communicate(timeout=600)
    assert process.returncode == 0, err[-3000:]
    result: dict[str, Any] = json.loads(out.splitlines()[-1])
    return result


@pytest.mark.timeout(300)  # two interpreters import aiogram and build ~400 models
def test_deferred_types_build_on_first_use_exactly_as_an_ordinary_import_builds_them() -> None:
    processes = _start("deferred"), _start("eager")
    deferred, eager = (_result(p) for p in processes)
    assert len(eager["schemas"]) > 300
    assert len(eager["built_at_import"]) == len(eager["schemas"])
    # the import builds only what aiogram's own modules use at import (a dozen types)
    assert len(deferred["built_at_import"]) < len(eager["schemas"]) // 10
    assert deferred["all_built"] and eager["all_built"]
    assert deferred["sample"] == eager["sample"]
    assert deferred["sample"]["message"]["reply_markup"]["inline_keyboard"][0][0]["text"] == "OK"
    different = [
        name for name, schema in eager["schemas"].items() if deferred["schemas"][name] != schema
    ]
    assert different == []
    assert deferred["rebuild_restored"]
