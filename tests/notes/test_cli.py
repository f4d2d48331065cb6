"""``starpunk check [--repair]`` and ``starpunk reindex`` on a real data directory."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner, Result
from flask import Flask

from starpunk.cli import cli
from starpunk.database import get_db
from starpunk.notes import create_note, get_note


def run(app: Flask, *args: str) -> Result:
    env = {"DATA_PATH": str(app.config["DATA_PATH"]), "SITE_URL": app.config["SITE_URL"],
           "SESSION_SECRET": app.config["SECRET_KEY"]}
    return CliRunner().invoke(cli, list(args), env=env)


def make_posts(app: Flask, count: int = 3) -> list[Path]:
    with app.app_context():
        notes = [create_note(get_db(), app.config["DATA_PATH"], content=f"Post number {i}",
                             tags=["cli"]) for i in range(count)]
    return [Path(app.config["DATA_PATH"]) / note.path for note in notes]


def test_clean_site_checks_ok(app: Flask) -> None:
    make_posts(app)
    result = run(app, "check")
    assert result.exit_code == 0, result.output
    assert "ok: every post and media file matches" in result.output


def test_missing_file_fails_then_repair_writes_it_back(app: Flask) -> None:
    path = make_posts(app)[0]
    original = path.read_bytes()
    path.unlink()
    result = run(app, "check")
    assert result.exit_code == 1 and f"missing-file: {path.relative_to(path.parents[3])}" in (
        result.output)
    result = run(app, "check", "--repair")
    assert result.exit_code == 0, result.output
    assert "repaired:" in result.output and path.read_bytes() == original
    assert run(app, "check").exit_code == 0


def test_edited_file_is_reindexed_by_repair(app: Flask) -> None:
    path = make_posts(app)[1]
    path.write_text(path.read_text().replace("Post number 1", "Edited by hand"))
    result = run(app, "check")
    assert result.exit_code == 1 and "hash-mismatch" in result.output
    assert run(app, "check", "--repair").exit_code == 0
    with app.app_context():
        slug = path.stem
        assert "Edited by hand" in get_note(get_db(), slug).content


def test_orphan_file_is_indexed_and_garbage_quarantined(app: Flask) -> None:
    path = make_posts(app)[0]
    orphan = path.with_name("copied-by-hand.md")
    orphan.write_text(path.read_text().replace(f'slug: "{path.stem}"', 'slug: "copied-by-hand"'))
    garbage = path.with_name("garbage.md")
    garbage.write_bytes(b"\xff\xfe not a note")
    result = run(app, "check")
    assert result.exit_code == 1
    assert "orphan-file" in result.output and "unparseable" in result.output
    result = run(app, "check", "--repair")
    assert result.exit_code == 0, result.output
    assert not garbage.exists()
    assert list((Path(app.config["DATA_PATH"]) / "notes/.quarantine").iterdir())
    with app.app_context():
        assert get_note(get_db(), "copied-by-hand") is not None


def test_reindex_rebuilds_the_index_from_files_alone(app: Flask) -> None:
    paths = make_posts(app, 5)
    with app.app_context():
        db = get_db()
        db.execute("DELETE FROM notes")
        db.commit()
    result = run(app, "reindex")
    assert result.exit_code == 0, result.output
    assert "indexed 5 posts" in result.output
    with app.app_context():
        for path in paths:
            assert get_note(get_db(), path.stem).tags == ["cli"]


def test_reindex_refuses_unparseable_files_and_changes_nothing(app: Flask) -> None:
    path = make_posts(app, 2)[0]
    path.with_name("broken.md").write_text("---\nslug: [unclosed\n")
    result = run(app, "reindex")
    assert result.exit_code == 1 and "repair these files first" in result.output
    with app.app_context():
        assert get_note(get_db(), path.stem) is not None


def test_check_reports_media_files_without_rows(app: Flask) -> None:
    orphan = Path(app.config["DATA_PATH"]) / "media/2026/01/stray.jpg"
    orphan.parent.mkdir(parents=True)
    orphan.write_bytes(b"left behind by a crash")
    result = run(app, "check")
    assert result.exit_code == 1 and "orphan-media-file: media/2026/01/stray.jpg" in result.output
