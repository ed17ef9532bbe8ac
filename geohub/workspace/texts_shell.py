"""The workspace shell's texts: the page, signing in and out, the navigation and the states every
view shares (loading, errors, not found). Views add their own `texts_<part>.py` beside this one."""

from __future__ import annotations

from geohub.messages import N_

TEXTS: dict[str, str] = {
    "ws.title": N_("Workspace"),
    "ws.pageTitle": N_("{title} — GeoHub workspace"),
    "ws.description": N_(
        "The workspace of Almaty's departments: publish layers, follow citizens' reports, manage accounts."
    ),
    "ws.skip": N_("Skip to the content"),
    "ws.noscript": N_("The workspace needs JavaScript."),
    "ws.nav.label": N_("Workspace sections"),
    "ws.language.label": N_("Language"),
    "ws.link.map": N_("City map"),
    "ws.loading": N_("Loading…"),
    "ws.signIn.title": N_("Sign in to the workspace"),
    "ws.signIn.intro": N_("For the city's staff: publishers, moderators and administrators."),
    "ws.signIn.user": N_("User name"),
    "ws.signIn.password": N_("Password"),
    "ws.signIn.submit": N_("Sign in"),
    "ws.signIn.busy": N_("Signing in…"),
    "ws.signIn.missing": N_("Enter your user name and password."),
    "ws.signIn.done": N_("Signed in as {user}."),
    "ws.signOut": N_("Sign out"),
    "ws.signedOut": N_("You have signed out."),
    "ws.sessionEnded": N_("Your session has ended. Sign in again."),
    "ws.account": N_("Signed in as {user}"),
    "ws.role.admin": N_("Administrator"),
    "ws.role.publisher": N_("Publisher"),
    "ws.role.moderator": N_("Report moderator"),
    "ws.home.title": N_("Workspace"),
    "ws.home.intro": N_("Choose a section."),
    "ws.home.department": N_("Department: {department}"),
    "ws.home.empty": N_("There is no section for this account yet."),
    "ws.notFound.title": N_("Page not found"),
    "ws.notFound.text": N_("The workspace has no such page."),
    "ws.back": N_("Back to the start"),
    "ws.error.title": N_("This page could not be shown"),
    "ws.error.network": N_("GeoHub cannot be reached. Check the connection and try again."),
    "ws.error.generic": N_("Something went wrong. Try again."),
    "ws.retry": N_("Try again"),
}
