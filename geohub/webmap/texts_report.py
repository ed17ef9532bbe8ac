"""The web map's texts for search, reporting a problem and "my reports", and the report categories
the page offers (the reports service's categories, listed as its Open311 services are).

Each key maps to an English msgid (`N_`), rendered in the page language by geohub.webmap.texts;
scripts read them with `t("key", {name: value})`, templates with `{{ t("key") }}`.
"""

from __future__ import annotations

from typing import Any

from geohub.messages import N_
from geohub.open311.catalogue import service_json
from geohub.reports.categories import Categories, load_categories
from geohub.reports.model import OPEN
from geohub.reports.service import MAX_COMMENT_CHARS, MAX_DESCRIPTION_CHARS
from geohub.services import Services

PHOTO_TYPES = ("image/jpeg", "image/png", "image/webp")  # what geohub.reports.photos decodes

TEXTS: dict[str, str] = {
    # the place search (a combobox, used by the search, report and route panels)
    "search.label": N_("Address or place"),
    "search.hint": N_("In Kazakh, Russian or Latin letters, e.g. “Абая 10” or “Abaya”."),
    "search.clear": N_("Clear the search"),
    "search.results": N_("Search results"),
    "search.searching": N_("Searching…"),
    "search.count": N_("{n} results. Use the up and down arrows to choose, Enter to pick."),
    "search.none": N_("Nothing found. Check the spelling or write less, e.g. only the street."),
    "search.tooShort": N_("Write at least 2 letters."),
    "search.kind.address": N_("Address"),
    "search.picked": N_("{label} chosen."),
    "search.place": N_("Found place"),
    "search.reportHere": N_("Report a problem here"),
    "search.routeFrom": N_("Route from here"),
    "search.routeTo": N_("Route to here"),
    "search.intro": N_("Search the address register and the named places of the city's layers."),
    # reporting a problem
    "report.intro": N_(
        "Tell the city about a problem in a public place. Your report goes to the department "
        "that fixes it and appears on the map without your personal details."
    ),
    "report.step.place": N_("1. Where is it?"),
    "report.step.category": N_("2. What is the problem?"),
    "report.step.description": N_("3. Describe it"),
    "report.step.photos": N_("4. Photos (optional)"),
    "report.step.contact": N_("5. Contact (optional)"),
    "report.place.none": N_("No place chosen yet."),
    "report.place.chosen": N_("Chosen place"),
    "report.place.map": N_("Choose on the map"),
    "report.place.mapPrompt": N_("Tap the place of the problem on the map."),
    "report.place.locate": N_("Use my location"),
    "report.place.locating": N_("Finding your location…"),
    "report.place.searchLabel": N_("Or find the address"),
    "report.place.coordinates": N_("Latitude {lat}, longitude {lon}"),
    "report.place.noAddress": N_("No address nearby"),
    "report.place.outside": N_("This place is outside the city. Choose a place in Almaty."),
    "report.geo.denied": N_(
        "Location access is turned off for this page. Allow it in the browser settings, or choose "
        "the place on the map or by address."
    ),
    "report.geo.unavailable": N_(
        "Your location is not available right now. Choose the place on the map or by address."
    ),
    "report.geo.unsupported": N_(
        "This browser cannot share your location. Choose the place on the map or by address."
    ),
    "report.category.label": N_("Category"),
    "report.category.choose": N_("Choose a category…"),
    "report.category.accessibilityHint": N_(
        "Barriers for wheelchair users, people with prams or with low vision are in the group "
        "“Accessibility”: routes avoid them."
    ),
    "report.description.label": N_("Description"),
    "report.description.hint": N_("What is wrong, and where exactly (a landmark, an entrance)."),
    "report.description.left": N_("{n} characters left"),
    "report.photos.add": N_("Add photos"),
    "report.photos.hint": N_("Up to {n} photos: JPEG, PNG or WebP, each at most {size}."),
    "report.photos.remove": N_("Remove photo {n}"),
    "report.photos.alt": N_("Photo {n}: {name}"),
    "report.photos.tooMany": N_("At most {n} photos can be sent."),
    "report.photos.tooLarge": N_("{name} is larger than {size} and was not added."),
    "report.photos.wrongType": N_("{name} is not a JPEG, PNG or WebP image and was not added."),
    "report.photos.added": N_("{n} photos attached."),
    "report.photos.megabytes": N_("{n} MB"),
    "report.contact.private": N_(
        "Private: only city staff see these, to ask you about the problem. They are never published."
    ),
    "report.contact.email": N_("E-mail"),
    "report.contact.phone": N_("Phone"),
    "report.submit": N_("Send the report"),
    "report.sending": N_("Sending…"),
    "report.invalid": N_("Please correct the marked fields."),
    "report.needPlace": N_("Choose the place of the problem."),
    "report.needCategory": N_("Choose a category."),
    "report.needDescription": N_("Describe the problem."),
    "report.badEmail": N_("Write the e-mail as name@example.kz, or leave it empty."),
    "report.badPhone": N_("Write the phone with digits only, e.g. +7 701 123 45 67, or leave it empty."),
    "report.error.tooMany": N_("Too many reports were sent from here. Wait a minute and try again."),
    "report.error.tooLarge": N_("The photos are too large. Remove one or choose smaller ones."),
    "report.error.type": N_("Remove that photo and try again."),
    # the duplicate offer
    "report.duplicates.title": N_("Is it one of these?"),
    "report.duplicates.intro": N_(
        "Reports of the same category are already open within 30 m. If it is the same problem, "
        "support the report: the department sees that more residents need it fixed."
    ),
    "report.duplicates.distance": N_("{m} m away"),
    "report.duplicates.supporters": N_("Supported by {n} residents"),
    "report.duplicates.support": N_("Support this report"),
    "report.duplicates.supported": N_(
        "Thank you, your support of report {id} is counted. You can follow it in My reports."
    ),
    "report.duplicates.supportedButton": N_("Supported"),
    "report.duplicates.distinct": N_("No, mine is different — file it"),
    "report.duplicates.back": N_("Back to my report"),
    # filed
    "report.filed.title": N_("Thank you, your report is filed"),
    "report.filed.trackingLabel": N_("Tracking number"),
    "report.filed.keep": N_(
        "Keep this number: with it you can follow the report. This device keeps the key that "
        "lets you confirm or reopen it."
    ),
    "report.filed.copy": N_("Copy the number"),
    "report.filed.copied": N_("The number is copied."),
    "report.filed.goesTo": N_("It goes to: {department}"),
    "report.filed.due": N_("Target date: {date}"),
    "report.filed.photos": N_("{n} photos attached."),
    "report.filed.myReports": N_("Open my reports"),
    "report.filed.another": N_("Report another problem"),
    "report.filed.marker": N_("Your new report {id}"),
    "report.filed.onMap": N_("Your report {id} is now on the map."),
    # my reports
    "myreports.title": N_("My reports"),
    "myreports.intro": N_(
        "The reports filed in this browser. Their keys are kept only here: clearing the "
        "browser's data forgets them, so note the tracking numbers."
    ),
    "myreports.empty": N_(
        "No reports yet. When you report a problem, it is listed here with its status, and you can "
        "confirm that it is fixed or reopen it."
    ),
    "myreports.refresh": N_("Refresh"),
    "myreports.filed": N_("Filed {date}"),
    "myreports.status": N_("Status"),
    "myreports.department": N_("Department"),
    "myreports.due": N_("Target date"),
    "myreports.overdue": N_("Overdue: the target date has passed"),
    "myreports.history": N_("History"),
    "myreports.reply": N_("Reply from the city: {comment}"),
    "myreports.duplicateOf": N_("Merged into report {id}"),
    "myreports.supporters": N_("Supported by {n} residents"),
    "myreports.photos": N_("Photos"),
    "myreports.photo": N_("Photo {n} of report {id}"),
    "myreports.photosPending": N_("Photos are shown once a moderator has checked them."),
    "myreports.confirm": N_("Confirm it is fixed"),
    "myreports.confirmed": N_("Thank you. Report {id} is closed."),
    "myreports.reopen": N_("It is not fixed: reopen"),
    "myreports.reopenLabel": N_("What is still wrong?"),
    "myreports.reopenSend": N_("Reopen the report"),
    "myreports.reopened": N_("Report {id} is reopened."),
    "myreports.resolvedAsk": N_("The city says it is fixed. Is it?"),
    "myreports.show": N_("Show on the map"),
    "myreports.forget": N_("Forget on this device"),
    "myreports.forgetAsk": N_("Forget report {id} on this device? It stays filed with the city."),
    "myreports.forgotten": N_("Report {id} is forgotten on this device."),
    "myreports.notFound": N_("Report {id} was not found."),
    "myreports.add.title": N_("Add a report from another device"),
    "myreports.add.tracking": N_("Tracking number"),
    "myreports.add.secret": N_("Key (optional, to confirm or reopen)"),
    "myreports.add.submit": N_("Add"),
    "myreports.add.added": N_("Report {id} is added."),
    "myreports.add.exists": N_("Report {id} is already in the list."),
    "myreports.add.needId": N_("Write the tracking number."),
    "myreports.secret.show": N_("Show the key"),
    "myreports.secret.label": N_("Key of report {id}"),
    "myreports.loading": N_("Loading the status…"),
    "myreports.report": N_("Report {id}: {category}"),
    # the lifecycle (geohub.reports.model.Status), as a citizen reads it
    "report.status.registered": N_("Received"),
    "report.status.accepted": N_("Accepted"),
    "report.status.in_progress": N_("In progress"),
    "report.status.resolved": N_("Fixed, waiting for your confirmation"),
    "report.status.closed": N_("Closed"),
    "report.status.reopened": N_("Reopened"),
    "report.status.rejected": N_("Rejected"),
    "report.status.duplicate": N_("Duplicate"),
    "report.history.resolved": N_("Fixed"),
    "report.history.assign": N_("Passed to another department"),
    "report.history.reply": N_("The city replied"),
    "report.history.merge": N_("Merged with another report"),
    "report.history.approve": N_("Checked by a moderator"),
    "report.history.disapprove": N_("Hidden by a moderator"),
    "report.by.citizen": N_("by a resident"),
    "report.by.staff": N_("by the city"),
    "report.by.system": N_("automatically"),
}


def page_config(services: Services, language: str) -> dict[str, Any]:
    """The report categories (titled in `language`, accessibility ones marked) and the limits of a
    filing, for the report form."""
    settings = services.settings.reports
    return {
        "reportCategories": category_list(load_categories(services.registry.departments), services, language),
        "maxPhotos": settings.max_photos,
        "maxPhotoBytes": settings.max_photo_bytes,
        "photoTypes": list(PHOTO_TYPES),
        "maxDescriptionChars": MAX_DESCRIPTION_CHARS,
        "maxCommentChars": MAX_COMMENT_CHARS,
        "openStatuses": sorted(status.value for status in OPEN),
    }


def category_list(categories: Categories, services: Services, language: str) -> list[dict[str, Any]]:
    """Each category as the Open311 services list it: code, title, group and what happens to it."""
    listed = []
    for category in categories:
        service = service_json(category, services.registry.departments, language)
        listed.append(
            {
                "code": category.code,
                "title": service["service_name"],
                "accessibility": category.accessibility,
                "group": service["group"],
                "description": service["description"],
                "targetHours": category.target_hours,
            }
        )
    return listed
