"""The workspace's texts for proposing new layers and approving them (views proposals and proposal).

Each key maps to an English msgid (`N_`), rendered in the page language by geohub.workspace.texts;
the views read them with `ctx.t("prop.key", {name: value})`.
"""

from __future__ import annotations

from geohub.messages import N_

TEXTS: dict[str, str] = {
    # the list of proposals
    "prop.nav": N_("New layers"),
    "prop.list.title": N_("New layer proposals"),
    "prop.list.intro": N_(
        "Propose a new layer for your department from a file. You describe it, an administrator "
        "checks the description and publishes the layer on the map and in the API."
    ),
    "prop.list.introAdmin": N_(
        "Proposals of every department. Check the ones waiting for approval, then approve or reject them."
    ),
    "prop.list.waiting": N_("Waiting for approval"),
    "prop.list.mine": N_("My department's proposals"),
    "prop.list.others": N_("Other proposals"),
    "prop.list.empty": N_("No proposals here yet."),
    "prop.list.loading": N_("Loading the proposals…"),
    "prop.col.number": N_("No."),
    "prop.col.layer": N_("Layer"),
    "prop.col.department": N_("Department"),
    "prop.col.status": N_("Status"),
    "prop.col.updated": N_("Changed"),
    "prop.col.proposedBy": N_("Proposed by"),
    "prop.col.features": N_("Features"),
    "prop.open": N_("Open proposal {n}: {title}"),
    "prop.untitled": N_("(no title yet)"),
    # statuses
    "prop.status.draft": N_("Draft"),
    "prop.status.submitted": N_("Waiting for approval"),
    "prop.status.approved": N_("Approved"),
    "prop.status.rejected": N_("Rejected"),
    "prop.status.withdrawn": N_("Withdrawn"),
    # a new proposal from a file
    "prop.new.title": N_("Propose a new layer"),
    "prop.new.intro": N_(
        "Start from a file with the layer's features. GeoHub reads its columns and suggests a "
        "description that you then complete."
    ),
    "prop.new.drop": N_("Drop the file here"),
    "prop.new.or": N_("or"),
    "prop.new.choose": N_("Choose a file"),
    "prop.new.formats": N_("GeoPackage, GeoJSON, a zipped Shapefile, KML, or CSV with coordinate columns."),
    "prop.new.department": N_("For the department"),
    "prop.new.departmentNone": N_("Choose a department"),
    "prop.new.departmentMissing": N_("Choose the department the layer is for."),
    "prop.new.progress": N_("Upload"),
    "prop.new.uploading": N_("Uploading {name}: {percent} %"),
    "prop.new.reading": N_("The file is uploaded; reading it…"),
    "prop.new.done": N_("The file is read. Proposal {n} is ready to complete."),
    "prop.new.failed": N_("The file could not be used: {detail}"),
    "prop.new.oneFile": N_("Drop one file at a time."),
    # one proposal
    "prop.view.title": N_("Proposal {n}: {title}"),
    "prop.back": N_("All proposals"),
    "prop.loading": N_("Loading the proposal…"),
    "prop.loadFailed": N_("The proposal could not be loaded: {detail}"),
    "prop.meta.label": N_("About this proposal"),
    "prop.meta.status": N_("Status"),
    "prop.meta.department": N_("Department"),
    "prop.meta.proposedBy": N_("Proposed by"),
    "prop.meta.created": N_("Created"),
    "prop.meta.updated": N_("Last changed"),
    "prop.meta.file": N_("Uploaded file"),
    "prop.meta.fileSummary": N_("{name}: {n} features"),
    "prop.meta.reason": N_("Reason given"),
    "prop.readonly": N_("This proposal can no longer be changed."),
    "prop.readonlySubmitted": N_(
        "This proposal waits for an administrator; it can be changed again if it is rejected."
    ),
    # the definition form
    "prop.section.identity": N_("Identifier and names"),
    "prop.field.id": N_("Layer identifier"),
    "prop.field.id.hint": N_(
        "Small Latin letters, digits and underscores, starting with a letter, e.g. recycling_containers. "
        "It appears in the layer's web addresses and does not change later."
    ),
    "prop.field.geometry": N_("Geometry type"),
    "prop.geometry.Point": N_("Points"),
    "prop.geometry.MultiPoint": N_("Points (multiple)"),
    "prop.geometry.LineString": N_("Lines"),
    "prop.geometry.MultiLineString": N_("Lines (multiple)"),
    "prop.geometry.Polygon": N_("Areas"),
    "prop.geometry.MultiPolygon": N_("Areas (multiple)"),
    "prop.field.title.kk": N_("Title in Kazakh"),
    "prop.field.title.ru": N_("Title in Russian"),
    "prop.field.title.en": N_("Title in English"),
    "prop.field.description.kk": N_("Description in Kazakh"),
    "prop.field.description.ru": N_("Description in Russian"),
    "prop.field.description.en": N_("Description in English"),
    "prop.field.keywords": N_("Keywords"),
    "prop.field.keywords.hint": N_("Separated by commas, in any of the three languages."),
    "prop.section.schema": N_("Attributes"),
    "prop.schema.intro": N_(
        "The file's columns. Name each attribute, set its type, whether every feature must have it "
        "and whether it is hidden from the public; give it a title in the three languages."
    ),
    "prop.schema.caption": N_("Attributes of the new layer"),
    "prop.schema.name": N_("Attribute name"),
    "prop.schema.type": N_("Type"),
    "prop.schema.required": N_("Required"),
    "prop.schema.restricted": N_("Hidden from the public"),
    "prop.schema.titles": N_("Titles"),
    "prop.schema.description": N_("Description"),
    "prop.schema.column": N_("Column in the file: {column}"),
    "prop.schema.samples": N_("Examples: {values}"),
    "prop.schema.noSamples": N_("No values in the file"),
    "prop.schema.cell": N_("{attribute}: {field}"),
    "prop.type.string": N_("Text"),
    "prop.type.integer": N_("Whole number"),
    "prop.type.number": N_("Number"),
    "prop.type.boolean": N_("Yes or no"),
    "prop.type.date": N_("Date"),
    "prop.type.datetime": N_("Date and time"),
    "prop.field.key": N_("Key attribute"),
    "prop.field.key.hint": N_(
        "The key identifies each feature for good: later uploads update, add and delete features "
        "by matching it. Choose an attribute whose values are unique and never empty."
    ),
    "prop.key.none": N_("Choose an attribute"),
    "prop.key.unique": N_("{name} (unique, never empty)"),
    "prop.field.access": N_("Who may see the layer"),
    "prop.access.public": N_("Everyone: the layer is public"),
    "prop.access.restricted": N_("Signed-in city staff only: the layer is restricted"),
    "prop.section.style": N_("Look on the map"),
    "prop.field.template": N_("Style template"),
    "prop.field.colour": N_("Colour"),
    "prop.colour.option": N_("Colour {value}"),
    "prop.preview.label": N_("Preview: the file's features in the chosen style"),
    "prop.preview.swatch": N_("Preview of the chosen style"),
    "prop.map.attribution": N_("Show or hide the attribution"),  # MapLibre's attribution button
    "prop.section.license": N_("Licence and attribution"),
    "prop.field.licenseName": N_("Licence name"),
    "prop.field.licenseUrl": N_("Address of the licence text"),
    "prop.field.attribution": N_("Attribution"),
    "prop.field.attribution.hint": N_("Shown under the map, e.g. “© Department of Natural Resources”."),
    # errors and what blocks submitting
    "prop.errors.title": N_("Some fields need attention ({n})"),
    "prop.errors.field": N_("{field}: {message}"),
    "prop.problems.title": N_("Before submitting"),
    "prop.problems.intro": N_("These still need to be filled in before the proposal can be submitted:"),
    # actions
    "prop.actions": N_("Actions"),
    "prop.save": N_("Save the draft"),
    "prop.saving": N_("Saving…"),
    "prop.saved": N_("Saved."),
    "prop.submit": N_("Submit for approval"),
    "prop.submitted": N_("Submitted. An administrator will check the proposal."),
    "prop.withdraw": N_("Withdraw the proposal"),
    "prop.withdraw.confirm": N_("Withdraw this proposal for good? It cannot be submitted again."),
    "prop.withdraw.yes": N_("Yes, withdraw it"),
    "prop.withdraw.no": N_("No, keep it"),
    "prop.withdrawn": N_("The proposal is withdrawn."),
    "prop.failed": N_("That did not work: {detail}"),
    # the administrator's decision
    "prop.decide.title": N_("Decision"),
    "prop.approve": N_("Approve and publish the layer"),
    "prop.approving": N_("Publishing the layer…"),
    "prop.approved": N_("Approved. The layer {id} is published."),
    "prop.reject": N_("Reject"),
    "prop.reason": N_("Reason for rejecting"),
    "prop.reason.hint": N_("The department reads it, corrects the proposal and may submit it again."),
    "prop.reason.required": N_("Write why the proposal is rejected."),
    "prop.rejected": N_("Rejected. The department can correct the proposal and submit it again."),
    "prop.links.title": N_("The new layer"),
    "prop.links.map": N_("Show {title} on the map"),
    "prop.links.collection": N_("The layer's collection page"),
}
