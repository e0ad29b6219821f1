"""The `doorstep` command: migrate, demo, create-staff, api-key, import, worker, run."""

import importlib.util
import json
import os
import signal
import subprocess
import sys
import time
from urllib.parse import urlparse

import click
from peewee import DatabaseError, InterfaceError

from core import db
from core.config import (
    PROJECT_ROOT,
    ConfigError,
    MissingSecretKeyError,
    ensure_secret_key,
    load_settings,
)
from core.errors import DoorstepError
from portal_site.i18n_cli import i18n


def _masked(url: str) -> str:
    """The URL with its password replaced, fit for an error message."""
    parsed = urlparse(url)
    if parsed.password:
        return url.replace(f":{parsed.password}@", ":***@", 1)
    return url


def _one_line(error: BaseException) -> str:
    text = " ".join(str(error).split())
    return text or type(error).__name__


def _bind(writes: bool = False, schema: bool = False):
    """Settings and the bound database; with `writes`, refuse one that takes no writes; with
    `schema`, refuse one whose schema is missing or behind (`doorstep migrate` first)."""
    settings = load_settings()
    where = _masked(settings.database_url)
    try:
        database = db.bind(settings.database_url)
        with db.connection():
            pass
    except Exception as error:  # a bad URL or an unreachable server: say which, plainly
        raise click.ClickException(f"Cannot open the database {where}: "
                                   f"{_one_line(error)}") from error
    if writes:
        try:
            db.check_writable()
        except db.DatabaseNotWritableError as error:
            raise click.ClickException(f"The database {where} cannot be written to: {error}; "
                                       "fix that, then start again.") from error
    if schema and db.pending_migrations():
        raise click.ClickException(f"The database {where} is not migrated (or is behind): "
                                   "run `doorstep migrate` first.")
    return settings, database


class DoorstepGroup(click.Group):
    """Click's group, with every bad input told in one line on stderr and a non-zero exit."""

    def main(self, args=None, prog_name=None, **extra):
        """Run the command; a usage, setting or database error prints one line, exit 1 or 2."""
        try:
            return super().main(args, prog_name, standalone_mode=False, **extra)
        except click.UsageError as error:
            hint = f" (see `{error.ctx.command_path} --help`)" if error.ctx else ""
            self._fail(f"{error.format_message()}{hint}", error.exit_code)
        except click.ClickException as error:
            self._fail(error.format_message(), error.exit_code)
        except click.Abort:
            self._fail("Aborted.", 1)
        except ConfigError as error:
            self._fail(f"Bad setting: {error}", 2)
        except (DatabaseError, InterfaceError) as error:
            problem = db.write_problem(error)
            reason = {"read_only": "the database is read-only",
                      "full": "the database or its disk is full"}.get(problem, "")
            self._fail(f"Database error: {reason or _one_line(error)}", 1)
        except db.DatabaseNotWritableError as error:
            self._fail(f"The database cannot be written to: {error}", 1)
        except DoorstepError as error:
            self._fail(str(error), 1)

    @staticmethod
    def _fail(message: str, code: int) -> None:
        click.echo(f"Error: {' '.join(message.split())}", err=True)
        sys.exit(code or 1)


@click.group(cls=DoorstepGroup)
def main():
    """Doorstep: a self-service customer portal and its staff console."""


@main.command()
def migrate():
    """Create or update the database schema."""
    _bind(writes=True)
    applied = db.migrate()
    click.echo("Applied: " + ", ".join(applied) if applied else "The schema is up to date.")


@main.command()
@click.option("--password", default=None, help="Password for every demo sign-in.")
@click.option("--json", "as_json", is_flag=True, help="Print the sign-ins as JSON.")
@click.option("--if-empty", is_flag=True, help="Do nothing when the demo data already exists.")
def demo(password, as_json, if_empty):
    """Seed the demo organization "Acme Trading" and print its sign-ins."""
    from core.demo import DEFAULT_PASSWORD, demo_exists, seed_demo
    from core.security import check_password_strength

    settings, _ = _bind(writes=True)
    ensure_secret_key(settings)  # the demo's invitation links are derived from the instance key
    password = password or DEFAULT_PASSWORD
    try:
        check_password_strength(password)
    except DoorstepError as error:
        raise click.BadParameter(str(error), param_hint="--password") from None
    if db.pending_migrations():
        db.migrate()
    with db.connection():
        if demo_exists():
            if if_empty:
                click.echo("Demo data is already there (sign in with the password it was "
                           f"seeded with; default {DEFAULT_PASSWORD!r}).")
                return
            raise click.ClickException("The demo organization already exists in this "
                                       "database; use an empty database.")
        result = seed_demo(password)
    data = result.as_dict(settings.portal_base_url, settings.console_url)
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    click.echo(f"Seeded {data['organization']}.")
    click.echo(f"  Portal:  {data['portal_url']}")
    click.echo(f"  Console: {data['console_url']}")
    click.echo("Staff sign-ins:")
    for member in data["staff"]:
        click.echo(f"  {member['email']:<34} {member['password']}  ({member['role']})")
    click.echo("Portal contacts who can sign in now:")
    for contact in data["contacts"]:
        if contact["state"] == "active":
            click.echo(f"  {contact['email']:<34} {contact['password']}  "
                       f"{contact['customer']} [{contact['language']}]")


@main.command("create-staff")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--password", required=True, prompt=True, hide_input=True)
@click.option("--role", type=click.Choice(["admin", "staff"]), default="staff")
@click.option("--organization", "org_slug", default=None,
              help="Portal slug of the organization (default: the only one).")
def create_staff(email, name, password, role, org_slug):
    """Add a staff member who can sign in to the console."""
    from core.audit import Actor
    from core.models import Organization
    from core.services.staff import create_staff as create

    _bind(writes=True, schema=True)
    with db.connection():
        orgs = list(Organization.select())
        if org_slug:
            orgs = [o for o in orgs if o.slug == org_slug]
        if len(orgs) != 1:
            raise click.ClickException("Name the organization with --organization SLUG "
                                       "(there is none, or more than one).")
        try:
            staff = create(Actor.system(orgs[0].id), email, name, password, role=role)
        except DoorstepError as error:
            raise click.ClickException(str(error)) from None
    click.echo(f"Created {staff.role} {staff.email}.")


@main.group("api-key")
def api_key():
    """Create, list and revoke the integration API's keys of an organization."""


def _org_actor(org_slug: str):
    from core.audit import Actor
    from core.services.api_keys import organization_by_slug

    try:
        org = organization_by_slug(org_slug)
    except DoorstepError:
        raise click.ClickException(f"No organization has the portal slug {org_slug!r}.") from None
    return Actor.system(org.id)


@api_key.command("create")
@click.option("--org", "org_slug", required=True, help="Portal slug of the organization.")
@click.option("--name", required=True, help="What the key is for (shown in the console).")
@click.option("--scope", type=click.Choice(["read", "write"]), default="read",
              show_default=True)
def api_key_create(org_slug, name, scope):
    """Create a key and print it once: only its hash is kept."""
    from core.services.api_keys import create_api_key

    _bind()
    with db.connection():
        try:
            key, raw = create_api_key(_org_actor(org_slug), name, scope)
        except DoorstepError as error:
            raise click.ClickException(str(error)) from None
    click.echo(raw)
    click.echo(f"Created {key.scope} key {key.prefix}… ({key.name}, id {key.id}). "
               "Keep it now: it is not shown again.", err=True)


@api_key.command("list")
@click.option("--org", "org_slug", required=True, help="Portal slug of the organization.")
def api_key_list(org_slug):
    """List the organization's keys (prefix, scope, last use; never the key)."""
    from core.services.api_keys import list_api_keys

    _bind()
    with db.connection():
        keys = list_api_keys(_org_actor(org_slug))
    for key in keys:
        state = f"revoked {key.revoked_at:%Y-%m-%d %H:%M}" if key.revoked_at else "live"
        used = f"{key.last_used_at:%Y-%m-%d %H:%M}" if key.last_used_at else "never"
        click.echo(f"{key.id:>5}  {key.prefix}…  {key.scope:<5}  {state:<22}  used {used}  "
                   f"{key.name}")


@api_key.command("revoke")
@click.option("--org", "org_slug", required=True, help="Portal slug of the organization.")
@click.argument("key_id", type=int)
def api_key_revoke(org_slug, key_id):
    """Revoke a key at once."""
    from core.services.api_keys import revoke_api_key

    _bind()
    with db.connection():
        try:
            key = revoke_api_key(_org_actor(org_slug), key_id)
        except DoorstepError:
            raise click.ClickException(f"No key {key_id} in this organization.") from None
    click.echo(f"Revoked {key.prefix}… ({key.name}).")


@main.command("import")
@click.argument("kind", type=click.Choice(["customers", "items", "invoices", "payments"]))
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--org", "org_slug", required=True, help="Portal slug of the organization.")
@click.option("--dry-run", is_flag=True, help="Check every row and report; write nothing.")
@click.option("--invite", is_flag=True, help="Invite the contacts marked for portal access.")
@click.option("--map", "overrides", multiple=True, metavar="FIELD=COLUMN",
              help="Read FIELD from the file's COLUMN (else guessed, or as last time).")
def import_file(kind, file, org_slug, dry_run, invite, overrides):
    """Import a CSV or XLSX file of customers (with contacts), items, open invoices or
    payments: all rows or none; exit 1 when any row has an error."""
    from pathlib import Path

    from core.importing.fields import FIELDS, guess_mapping
    from core.queries.imports import get_remembered_mapping
    from core.services.imports import run_import
    from core.tabular import read_table

    settings, _database = _bind(writes=True, schema=True)
    if invite:
        _require_secret_key(settings)  # invitation links are derived from it
    path = Path(file)
    with db.connection():
        actor = _org_actor(org_slug)
        table = read_table(path.name, path.read_bytes())
        mapping = guess_mapping(kind, table.header,
                                get_remembered_mapping(actor.organization_id, kind))
        names = {spec.name for spec in FIELDS[kind]}
        for override in overrides:
            name, _, column = override.partition("=")
            if name not in names:
                raise click.BadParameter(f"{name!r} is not a field of {kind} (one of "
                                         f"{', '.join(sorted(names))}).", param_hint="--map")
            mapping[name] = column or None
        report = run_import(actor, kind, table, mapping, commit=not dry_run, invite=invite)
    for row in report.rows:
        if row.outcome in ("error", "skipped"):
            where = f" {row.column}:" if row.column else ""
            click.echo(f"row {row.line} {row.outcome}:{where} {row.message}", err=True)
    click.echo(report.summary())
    if report.errors:
        sys.exit(1)
    click.echo("Dry run: nothing was written." if dry_run else "Imported.")


@main.command()
@click.option("--once", is_flag=True, help="Send what is due, then exit.")
def worker(once):
    """Send queued emails from the outbox."""
    from portal_site.mail.worker import DatabaseUnavailableError, run_worker

    settings, _ = _bind(writes=True, schema=True)
    _require_secret_key(settings)
    try:
        code = run_worker(once=once)
    except DatabaseUnavailableError as error:
        raise click.ClickException(str(error)) from error
    sys.exit(code)


def _require_secret_key(settings) -> None:
    try:
        settings.require_secret_key()
    except MissingSecretKeyError as error:
        raise click.ClickException(str(error)) from None


def _exists(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


@main.command()
@click.option("--no-console", is_flag=True, help="Do not start the staff console.")
def run(no_console):
    """Start the portal, console, mail worker and (unless MAIL_SERVER is set) an SMTP catcher."""
    settings, _ = _bind(writes=True)
    ensure_secret_key(settings)  # every process below reads the same instance key
    _require_secret_key(load_settings())
    if db.pending_migrations():
        db.migrate()
    env = dict(os.environ)
    processes: list[tuple[str, subprocess.Popen, str]] = []
    python = sys.executable
    if not settings.mail_server and _exists("portal_site.mail.catcher"):
        env["MAIL_SERVER"], env["MAIL_PORT"] = "127.0.0.1", str(settings.smtp_catcher_port)
        processes.append(("SMTP catcher", subprocess.Popen(
            [python, "-m", "portal_site.mail.catcher", "--port",
             str(settings.smtp_catcher_port)], env=env),
            f"smtp://127.0.0.1:{settings.smtp_catcher_port} (mail kept in "
            f"{settings.instance_dir / 'mail'})"))
    processes.append(("Portal", subprocess.Popen(
        [python, "-m", "gunicorn", "--workers", "2", "--bind",
         f"127.0.0.1:{settings.portal_port}", "portal_site.wsgi:app"], env=env),
        _portal_urls(settings.portal_base_url)))
    if not no_console and (PROJECT_ROOT / "staff_dashboard" / "server.py").exists():
        # server.py is the console's st.App (sign-in routes, headers); app.py its pages.
        processes.append(("Console", subprocess.Popen(
            [python, "-m", "streamlit", "run", str(PROJECT_ROOT / "staff_dashboard" / "server.py"),
             "--server.headless", "true", "--server.port", str(settings.console_port),
             "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"],
            env=env), f"http://127.0.0.1:{settings.console_port}/"))
    if _exists("portal_site.mail.worker"):
        processes.append(("Mail worker", subprocess.Popen(
            [python, "-m", "portal_site.cli", "worker"], env=env), "sending the outbox"))
    click.echo("Doorstep is running (Ctrl-C stops everything):")
    for name, _, where in processes:
        click.echo(f"  {name:<12} {where}")
    _supervise(processes)


def _portal_urls(base_url: str) -> str:
    """Each organization's portal address (a portal lives under its slug, not at the root)."""
    from core.models import Organization

    with db.connection():
        slugs = [org.slug for org in Organization.select(Organization.slug)
                 .order_by(Organization.id)]
    return ", ".join(f"{base_url}/{slug}/" for slug in slugs) or f"{base_url}/<slug>/"


def _supervise(processes) -> None:
    stopping = False

    def stop(*_):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        while not stopping:
            for name, process, _ in processes:
                if process.poll() is not None:
                    click.echo(f"{name} stopped (exit {process.returncode}); stopping the rest.")
                    stopping = True
                    break
            time.sleep(0.5)
    finally:
        for _, process, _ in processes:
            if process.poll() is None:
                process.terminate()
        for _, process, _ in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


main.add_command(i18n)  # doorstep i18n extract | update | compile | check | init LANG

if __name__ == "__main__":
    main()
