"""``starpunk check [--repair]`` and ``starpunk reindex``: integrity of files and index."""

from __future__ import annotations

import click
from flask import Flask

from starpunk.cli import cli, with_app
from starpunk.database import get_db
from starpunk.media.check import MediaProblem, check_media, repair_media
from starpunk.notes.check import Problem, check, reindex, repair
from starpunk.notes.files import NoteFileError


@cli.command("check")
@click.option("--repair", "fix", is_flag=True, help="Fix what can be fixed safely.")
@with_app
def check_command(app: Flask, fix: bool) -> None:
    """Compare every post and media file with its index row; exit 1 while problems remain.

    With --repair: a changed or unindexed post file is (re-)indexed, a post row whose file is
    missing has its file written back, an unreadable post file is moved to notes/.quarantine/;
    media files without a row and media rows without a file, older than a day, are removed.
    """
    conn = get_db()
    data_path = app.config["DATA_PATH"]

    def find() -> tuple[list[Problem], list[MediaProblem]]:
        return check(conn, data_path), check_media(conn, data_path)

    notes, media = find()
    for problem in [*notes, *media]:
        click.echo(str(problem))
    if fix and (notes or media):
        actions = repair(conn, data_path, notes) + repair_media(conn, data_path, media)
        for action in actions:
            click.echo(f"repaired: {action}")
        notes, media = find()
        for problem in [*notes, *media]:
            click.echo(f"still wrong: {problem}", err=True)
    if notes or media:
        raise click.exceptions.Exit(1)
    click.echo("ok: every post and media file matches its index row")


@cli.command("reindex")
@with_app
def reindex_command(app: Flask) -> None:
    """Rebuild the whole index and search from the Markdown files alone."""
    data_path = app.config["DATA_PATH"]
    with click.progressbar(length=0, label="Indexing posts", file=click.get_text_stream("stderr"),
                           show_pos=True) as bar:

        def progress(done: int, total: int) -> None:
            bar.length = total
            bar.update(done - bar.pos)

        try:
            count = reindex(get_db(), data_path, progress)
        except NoteFileError as exc:
            click.echo(f"Error: {exc}", err=True)
            raise click.exceptions.Exit(1) from exc
    click.echo(f"indexed {count} posts")
