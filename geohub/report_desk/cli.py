"""`geohub reports list|export|purge|upkeep`: the staff's reports from the command line.

The operator acts for the city (no account): every change is audited with `via: cli` and the
operating-system user. Titles and messages are in the operator's language (cli_support).
"""

from __future__ import annotations

import getpass
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import IO

import click

from geohub.auth.audit import AuditLog
from geohub.auth.principal import ANONYMOUS
from geohub.cli_support import cli_language, opened_services, reports_errors
from geohub.jobs import SKIPPED
from geohub.messages import tr
from geohub.records import utc_now
from geohub.report_desk.desk import ReportDesk
from geohub.report_desk.export import csv_rows, geojson_text
from geohub.report_desk.queue import QueueFilter, find_page, iter_reports, parse_district, parse_statuses
from geohub.report_desk.upkeep import erase_contacts, run_upkeep
from geohub.report_layer.sync import sync_report_layer
from geohub.reports.categories import load_categories
from geohub.reports.model import Report, Status
from geohub.reports.service import ReportService
from geohub.services import Services
from geohub.tiles.service import TileService

STATUS_CHOICE = click.Choice([s.value for s in Status])


@contextmanager
def opened_reports(department: str | None = None) -> Iterator[tuple[Services, ReportService]]:
    """The services and a ReportService for one command; `department` checked (exit 2 if unknown)."""
    with opened_services() as services:
        service = ReportService(services, load_categories(services.registry.departments))
        if department is not None:
            ReportDesk(service, services.settings.reports).check_department(department)
        yield services, service


def _filter_options(command: click.decorators.FC) -> click.decorators.FC:
    for option in reversed(
        (
            click.option("--department", help="Only this department's reports."),
            click.option(
                "--status", "statuses", multiple=True, type=STATUS_CHOICE, help="Only this status (repeat)."
            ),
            click.option("--overdue", is_flag=True, help="Only open reports past their target time."),
        )
    ):
        command = option(command)
    return command


@click.group("reports")
def reports_group() -> None:
    """Citizen reports: the staff's queue, exports, erasing personal data, upkeep."""


@reports_group.command("list")
@_filter_options
@click.option(
    "--limit", type=click.IntRange(1, 500), default=50, show_default=True, help="Most reports shown."
)
@reports_errors
def list_reports(department: str | None, statuses: tuple[str, ...], overdue: bool, limit: int) -> None:
    """List reports, the first due first."""
    language = cli_language()
    with opened_reports(department) as (_, service):
        queue = QueueFilter(department, parse_statuses(statuses), True if overdue else None, limit=limit)
        now = utc_now()
        page = find_page(service.records, queue, now)
        click.echo(f"{'report':<11} {'status':<12} {'department':<22} {'due':<17} {'+':>4}  category")
        for report in page.reports:
            category = service.categories.get(report.category)
            title = category.title.in_language(language) if category else report.category
            late = "!" if report.is_overdue(now) else " "
            click.echo(
                f"{report.tracking_id:<11} {report.status.value:<12} {report.department:<22} "
                f"{report.due_at:%Y-%m-%d %H:%M}{late} {report.supporters:>4}  {title}"
            )
        click.echo(
            tr("{shown} of {matched} reports.", shown=len(page.reports), matched=page.number_matched).render(
                language
            )
        )


@reports_group.command("export")
@click.option("--format", "kind", type=click.Choice(["csv", "geojson"]), required=True, help="File format.")
@click.option(
    "--output", type=click.Path(dir_okay=False, path_type=Path), help="File to write (default stdout)."
)
@_filter_options
@click.option("--category", help="Only this category's reports.")
@click.option("--district", help="Only this district's reports.")
@click.option(
    "--with-contacts",
    is_flag=True,
    help="Add the citizens' e-mail and phone: this exports PERSONAL DATA "
    "(keep the file safe, delete it after use).",
)
@reports_errors
def export_reports(
    kind: str,
    output: Path | None,
    department: str | None,
    statuses: tuple[str, ...],
    overdue: bool,
    category: str | None,
    district: str | None,
    with_contacts: bool,
) -> None:
    """Export reports with every field but the secret (contacts only with --with-contacts)."""
    with opened_reports(department) as (services, service):
        queue = QueueFilter(
            department,
            parse_statuses(statuses),
            True if overdue else None,
            category,
            parse_district(district),
        )
        now = utc_now()
        counted = _Counted(iter_reports(service.records, queue, now))
        write = csv_rows if kind == "csv" else geojson_text
        with _opened(output) as stream:
            for text in write(counted, now, with_contacts):
                stream.write(text)
        detail = {"count": counted.count, "format": kind, "withContacts": with_contacts}
        _audit(services, "report.export", detail)
        if output is not None:
            click.echo(
                tr("{count} reports written to {path}.", count=counted.count, path=str(output)).render(
                    cli_language()
                )
            )


@reports_group.command("purge")
@click.option(
    "--report", "tracking_ids", multiple=True, metavar="ID", help="Erase this report's contacts (repeat)."
)
@click.option(
    "--older-than-days",
    type=click.FloatRange(min=0),
    help="Reports closed, rejected or duplicates for longer than this "
    "(default: reports.contact_retention_days).",
)
@reports_errors
def purge_reports(tracking_ids: tuple[str, ...], older_than_days: float | None) -> None:
    """Erase personal data now: the e-mail and phone of the named reports, or of finished ones."""
    with opened_reports() as (services, service):
        days = (
            services.settings.reports.contact_retention_days if older_than_days is None else older_than_days
        )
        if tracking_ids:
            erased = erase_contacts(service, tracking_ids=tracking_ids, via="cli")
        else:
            erased = erase_contacts(service, utc_now() - timedelta(days=days), via="cli")
        click.echo(tr("Erased the contact details of {count} reports.", count=erased).render(cli_language()))


@reports_group.command("upkeep")
@reports_errors
def upkeep_reports() -> None:
    """Close reports resolved long ago, erase contacts past their retention, sync the public layer
    (the systemd timer runs it hourly)."""
    with opened_reports() as (services, service):
        done = run_upkeep(service, services.settings.reports)
        if done.skipped:
            click.echo(SKIPPED)
            return
        click.echo(
            tr(
                "Closed {closed} resolved reports; erased the contact details of {erased} reports.",
                closed=done.closed,
                erased=done.erased,
            ).render(cli_language())
        )
        # no server's listener hears of this process's changes: bring the public layer in line
        synced = sync_report_layer(services, service.categories, TileService(services).drop_changed_tiles)
        if synced is not None:
            click.echo(f"reports layer: version {synced.version}")


class _Counted:
    """Passes reports through, counting them."""

    def __init__(self, reports: Iterator[Report]) -> None:
        self._reports = reports
        self.count = 0

    def __iter__(self) -> Iterator[Report]:
        for report in self._reports:
            self.count += 1
            yield report


@contextmanager
def _opened(output: Path | None) -> Iterator[IO[str]]:
    if output is None:
        yield sys.stdout
        return
    with output.open("w", encoding="utf-8", newline="") as stream:
        yield stream


def _audit(services: Services, action: str, detail: dict[str, object]) -> None:
    detail = {**detail, "via": "cli", "osUser": getpass.getuser()}
    AuditLog(services.records).record(ANONYMOUS, action, None, detail, None)
