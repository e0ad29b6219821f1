"""The `doorstep i18n` commands: extract, update, compile, check and init the gettext catalogs
(the work is done in `portal_site.i18n_catalogs` and `portal_site.i18n_check`)."""

import click
from babel import UnknownLocaleError

from core.config import PROJECT_ROOT
from portal_site.i18n_catalogs import (
    TEMPLATE_PATH,
    catalog_paths,
    compile_catalogs,
    init_catalog,
    read_catalog,
    update_catalogs,
    write_template,
)
from portal_site.i18n_check import check_catalogs


@click.group("i18n")
def i18n():
    """Translation catalogs: extract, update, compile, check, init LANG."""


@i18n.command()
def extract():
    """Collect the translatable strings of the code into translations/messages.pot."""
    changed = write_template()
    count = len(read_catalog(TEMPLATE_PATH))
    click.echo(f"translations/messages.pot: {count} strings"
               + ("" if changed else " (unchanged)") + ".")


@i18n.command()
def update():
    """Extract, then merge the new strings into every language's catalog."""
    write_template()
    updated = update_catalogs()
    click.echo("Updated: " + ", ".join(updated) if updated else "Every catalog is up to date.")
    click.echo("Translate the empty and fuzzy entries, then run `doorstep i18n check`.")


@i18n.command("compile")
def compile_():
    """Compile every catalog to the .mo file the portal reads."""
    for mo_path in compile_catalogs():
        click.echo(f"Compiled {mo_path.relative_to(PROJECT_ROOT)}")


@i18n.command()
def check():
    """Report every problem in the catalogs; exit non-zero when there is one."""
    problems = check_catalogs()
    for problem in problems:
        click.echo(str(problem))
    if problems:
        raise click.ClickException(f"{len(problems)} problem(s) in the translations.")
    click.echo(f"All catalogs are complete and valid ({', '.join(catalog_paths())}).")


@i18n.command()
@click.argument("language")
def init(language):
    """Start a catalog for a new LANGUAGE (a code such as pt, pt_BR, zh_Hant)."""
    try:
        path = init_catalog(language)
    except FileExistsError as error:
        raise click.ClickException(
            f"{error.args[0].relative_to(PROJECT_ROOT)} already exists; "
            "use `doorstep i18n update` to bring it up to date.") from None
    except (ValueError, UnknownLocaleError):
        raise click.BadParameter(f"{language!r} is not a language code Babel knows "
                                 "(examples: pt, pt_BR, nl, zh_Hant).",
                                 param_hint="LANGUAGE") from None
    click.echo(f"Created {path.relative_to(PROJECT_ROOT)}.")
    click.echo("Next: translate every entry, add the language to SUPPORTED_LANGUAGES in "
               "core/i18n.py, and run `doorstep i18n check` (see translations/README.md).")


if __name__ == "__main__":
    i18n()
