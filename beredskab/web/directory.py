"""The directory editor for the secretariat leader: ``/kontaktliste``.

List people, add, edit and remove one, see a person's history, import a TOML, CSV or XLSX
file after a preview of every change and problem, and export TOML or CSV. Only the
secretariat leader may open these pages (a refusal is audited); every change goes through
``beredskab.directory`` (validated as `plan check`, audited with before and after), and the
running plan is rebuilt before the answer, so the next page already shows it.
"""

from __future__ import annotations

import hmac
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from fastapi.responses import RedirectResponse
from starlette.datastructures import FormData, UploadFile

from beredskab.boundary import bounds
from beredskab.directory import edit, export, imports, store
from beredskab.directory.changes import stored as stored_change
from beredskab.directory.import_csv import FORMATS
from beredskab.errors import BeredskabError, InvalidStateError, NotFoundError, render
from beredskab.i18n import Language
from beredskab.security import audit
from beredskab.web.directory_errors import UnreadableDirectory
from beredskab.web.session import HEADERS, Viewer, app_of, page, viewer
from beredskab.web.texts import text
from contacts.models import DirectoryFile

router = APIRouter(route_class=UnreadableDirectory)

CHANNEL = "web"
BASE = "/kontaktliste"
UPLOAD_PATH = BASE + "/import"
"""Takes a file: its body limit is ``[web] max_upload_bytes``."""
MAX_FIELDS = 1000
"""A person form has a checkbox per role and per outreach target."""
Who = Annotated[Viewer, Depends(viewer)]
BUILT_KEYS = (
    *text.mark("dir_saved", "dir_removed", "dir_imported", "dir_unchanged"),
    *text.mark("dir_added", "dir_changed"),
)
"""``tr("dir_" ~ ok)`` and ``tr("dir_" ~ change.action)`` in the editor's templates."""


async def _editor(request: Request, who: Viewer, action: str) -> Response | None:
    """None for the secretariat leader; else the audited refusal page (403)."""
    app = app_of(request)
    if edit.may_edit(app.plan, who.person.id):
        return None
    await audit.refusal(
        app.db,
        actor=who.person.id,
        action=action,
        channel=CHANNEL,
        detail=f"allowed roles: {', '.join(edit.EDITOR_ROLES)}",
    )
    return _page(request, who, "directory.html", status=403, refused=True)


def _page(
    request: Request, who: Viewer, name: str, *, status: int = 200, **context: Any
) -> Response:
    return page(request, name, who=who, status=status, **context)


async def _form(request: Request, who: Viewer) -> FormData:
    """The posted form after the CSRF check (like ``session.checked_form``, with room for a
    checkbox per role and target and one uploaded file)."""
    form = await request.form(max_files=1, max_fields=MAX_FIELDS)
    token = form.get("csrf")
    if not isinstance(token, str) or not hmac.compare_digest(token.encode(), who.csrf.encode()):
        raise HTTPException(status_code=403, detail="CSRF token missing or wrong; reload the page")
    for key, value in form.multi_items():
        if isinstance(value, UploadFile):
            continue
        problem = bounds.refusal(key, max_chars=64) or bounds.refusal(
            value, max_chars=bounds.FIELD_CHARS
        )
        if problem is not None:
            raise HTTPException(status_code=400, detail=f"a form field is {problem}")
    return form


def _text(form: FormData, key: str) -> str:
    value = form.get(key)
    return value.strip() if isinstance(value, str) else ""


def _base(form: FormData) -> int | None:
    value = _text(form, "base")
    return int(value) if value.isdigit() else None


async def _current(request: Request) -> tuple[int | None, DirectoryFile]:
    app = app_of(request)
    return await store.current(app.db, file=app.settings.plan.directory_file)


@router.get(BASE)
async def directory_page(request: Request, who: Who, ok: str = "") -> Response:
    """Everyone in the directory, with their roles and channels."""
    if (refused := await _editor(request, who, "web.directory")) is not None:
        return refused
    revision, data = await _current(request)
    return _page(
        request,
        who,
        "directory.html",
        data=data,
        revision=revision,
        source=app_of(request).settings.plan.directory_file,
        ok=ok if ok in ("saved", "removed", "imported", "unchanged") else "",
    )


@router.get(BASE + "/ny")
async def new_person(request: Request, who: Who) -> Response:
    """The form for a new person."""
    if (refused := await _editor(request, who, "web.directory")) is not None:
        return refused
    revision, data = await _current(request)
    return _person_form(request, who, data, revision, entry={}, new=True)


@router.get(BASE + "/person/{person_id}")
async def person_page(request: Request, who: Who, person_id: str) -> Response:
    """The form for one person."""
    if (refused := await _editor(request, who, "web.directory")) is not None:
        return refused
    revision, data = await _current(request)
    from beredskab.directory.document import person_record

    entry = person_record(data, person_id)
    if entry is None:
        return _page(request, who, "directory.html", status=404, missing=person_id)
    return _person_form(request, who, data, revision, entry=entry, new=False)


def _person_form(
    request: Request,
    who: Viewer,
    data: DirectoryFile,
    revision: int | None,
    *,
    entry: dict[str, Any],
    new: bool,
    problems: tuple[str, ...] = (),
    status: int = 200,
) -> Response:
    return _page(
        request,
        who,
        "directory_person.html",
        status=status,
        data=data,
        revision=revision,
        entry=entry,
        new=new,
        problems=problems,
    )


def _refused(exc: BeredskabError, language: Language) -> tuple[tuple[str, ...], int]:
    """What a refused change shows and its status: every problem of an invalid directory
    (400), or the one reason another refusal gives (409: changed meanwhile, gone)."""
    if isinstance(exc, store.DirectoryInvalidError):
        return exc.problems, 400
    return (render(exc, language),), 409


@router.post(BASE + "/ny")
async def add_person(request: Request, who: Who) -> Response:
    """Add a person."""
    return await _save(request, who, None)


@router.post(BASE + "/person/{person_id}")
async def save_person(request: Request, who: Who, person_id: str) -> Response:
    """Save a person's changes."""
    return await _save(request, who, person_id)


async def _save(request: Request, who: Who, person_id: str | None) -> Response:
    form = await _form(request, who)
    if (refused := await _editor(request, who, "directory.edit")) is not None:
        return refused
    app = app_of(request)
    entry = edit.record(
        person_id=person_id or _text(form, "id"),
        fields={key: _text(form, key) for key in edit.FIELDS},
        roles=[r for r in form.getlist("roles") if isinstance(r, str)],
        zones=_text(form, "zones"),
        contacts=[c for c in form.getlist("contacts") if isinstance(c, str)],
    )
    base = _base(form)
    try:
        done = await edit.save_person(
            db=app.db,
            plan=app.plan,
            file=app.settings.plan.directory_file,
            actor_id=who.person.id,
            channel=CHANNEL,
            base=base,
            entry=entry,
            new=person_id is None,
        )
    except (store.DirectoryInvalidError, InvalidStateError, NotFoundError) as exc:
        problems, status = _refused(exc, who.language)
        revision, data = await _current(request)
        return _person_form(
            request,
            who,
            data,
            revision,
            entry=entry,
            new=person_id is None,
            problems=problems,
            status=status,
        )
    await app.refresh_directory()
    target = f"{BASE}/person/{entry['id']}?ok=" + ("saved" if done.revision else "unchanged")
    return RedirectResponse(target, status_code=303)


@router.post(BASE + "/person/{person_id}/fjern")
async def remove_person(request: Request, who: Who, person_id: str) -> Response:
    """Remove a person (the form asks to tick a box first)."""
    form = await _form(request, who)
    if (refused := await _editor(request, who, "directory.edit")) is not None:
        return refused
    app = app_of(request)
    revision, data = await _current(request)
    from beredskab.directory.document import person_record

    entry = person_record(data, person_id) or {"id": person_id}
    if _text(form, "bekraeft") != "1":
        return _person_form(
            request,
            who,
            data,
            revision,
            entry=entry,
            new=False,
            problems=(text("dir_remove_confirm_missing", who.language),),
            status=400,
        )
    try:
        await edit.remove_person(
            db=app.db,
            plan=app.plan,
            file=app.settings.plan.directory_file,
            actor_id=who.person.id,
            channel=CHANNEL,
            base=_base(form),
            person_id=person_id,
        )
    except (store.DirectoryInvalidError, InvalidStateError, NotFoundError) as exc:
        problems, status = _refused(exc, who.language)
        return _person_form(
            request, who, data, revision, entry=entry, new=False, problems=problems, status=status
        )
    await app.refresh_directory()
    return RedirectResponse(f"{BASE}?ok=removed", status_code=303)


@router.get(BASE + "/person/{person_id}/historik")
async def history_page(request: Request, who: Who, person_id: str) -> Response:
    """Every stored change of one person, newest first, with before and after."""
    if (refused := await _editor(request, who, "web.directory")) is not None:
        return refused
    app = app_of(request)
    async with app.db.read() as tx:
        rows = await tx.directory.history("person", person_id)
    entries = [
        (row, stored_change(row.subject, row.subject_id, row.action, row.before, row.after))
        for row in rows
    ]
    return _page(request, who, "directory_history.html", person_id=person_id, entries=entries)


@router.get(BASE + "/import")
async def import_page(request: Request, who: Who) -> Response:
    """The upload form."""
    if (refused := await _editor(request, who, "web.directory")) is not None:
        return refused
    return _page(request, who, "directory_import.html", preview=None, import_id=None)


@router.post(UPLOAD_PATH)
async def import_preview(request: Request, who: Who) -> Response:
    """Read the uploaded file and show what it would change and every problem by row."""
    form = await _form(request, who)
    upload = form.get("fil")
    try:
        name = upload.filename if isinstance(upload, UploadFile) else None
        content = await upload.read() if isinstance(upload, UploadFile) and name else b""
    finally:
        await form.close()  # the spooled upload file
    if (refused := await _editor(request, who, "directory.edit")) is not None:
        return refused
    app = app_of(request)
    if not name:
        return _page(
            request,
            who,
            "directory_import.html",
            status=400,
            preview=None,
            import_id=None,
            missing_file=True,
        )
    found = await imports.preview(
        db=app.db,
        playbooks=app.plan.playbooks,
        file=app.settings.plan.directory_file,
        name=name,
        content=content,
    )
    import_id = None
    if found.ok and found.changes:
        import_id = await imports.keep(
            db=app.db, plan=app.plan, preview=found, actor=who.person.id, channel=CHANNEL
        )
    return _page(
        request,
        who,
        "directory_import.html",
        status=200 if found.ok else 400,
        preview=found,
        import_id=import_id,
        people=[c for c in found.changes if c.subject == "person"],
        others=[c for c in found.changes if c.subject != "person"],
    )


@router.post(BASE + "/import/{import_id}")
async def import_apply(request: Request, who: Who, import_id: int) -> Response:
    """Apply a previewed import."""
    await _form(request, who)
    if (refused := await _editor(request, who, "directory.edit")) is not None:
        return refused
    app = app_of(request)
    try:
        done = await imports.confirm(
            db=app.db,
            plan=app.plan,
            file=app.settings.plan.directory_file,
            import_id=import_id,
            actor=who.person.id,
            channel=CHANNEL,
        )
    except (store.DirectoryInvalidError, InvalidStateError, NotFoundError) as exc:
        return _page(
            request,
            who,
            "directory_import.html",
            status=409,
            preview=None,
            import_id=None,
            failed=render(exc, who.language),
        )
    await app.refresh_directory()
    return RedirectResponse(
        f"{BASE}?ok=" + ("imported" if done.revision else "unchanged"), status_code=303
    )


@router.get(BASE + "/eksport.{fmt}")
async def export_file(request: Request, who: Who, fmt: str) -> Response:
    """The directory in use as TOML or CSV (a download; audited: it lists every contact)."""
    if (refused := await _editor(request, who, "web.directory")) is not None:
        return refused
    if fmt not in FORMATS or fmt == "xlsx":
        return _page(request, who, "directory.html", status=404, missing=fmt)
    app = app_of(request)
    _revision, data = await _current(request)
    async with app.db.transaction() as tx:
        await audit.record(
            tx, actor=who.person.id, action="directory.export", channel=CHANNEL, detail=fmt
        )
    content = export.export(data, "toml" if fmt == "toml" else "csv")
    media = "application/toml" if fmt == "toml" else "text/csv"
    headers = {**HEADERS, "Content-Disposition": f'attachment; filename="kontaktliste.{fmt}"'}
    return Response(content, media_type=f"{media}; charset=utf-8", headers=headers)
