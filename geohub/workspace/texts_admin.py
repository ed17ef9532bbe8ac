"""The workspace's administrators' texts: accounts, tokens and app keys.

Each key maps to an English msgid (`N_`), rendered in the page language by geohub.workspace.texts;
the views (web/src/workspace/views/accounts.js, tokens.js, keys.js) read them with `t("key", {...})`.
"""

from __future__ import annotations

from geohub.messages import N_

TEXTS: dict[str, str] = {
    "admin.nav.accounts": N_("Accounts"),
    "admin.nav.tokens": N_("Tokens"),
    "admin.nav.keys": N_("App keys"),
    "admin.loading": N_("Loading…"),
    "admin.never": N_("Never"),
    "admin.none": N_("None"),
    "admin.copy": N_("Copy"),
    "admin.copied": N_("Copied to the clipboard."),
    "admin.copyFailed": N_("The browser did not allow copying: select the text and copy it."),
    "admin.secretOnce": N_("It is shown only this once: pass it on safely now."),
    "admin.confirm.title": N_("Please confirm"),
    "admin.confirm.cancel": N_("Cancel"),
    "admin.error.fields": N_("Check the marked fields."),
    "admin.lastAdmin": N_("GeoHub needs at least one enabled administrator: {detail}"),
    "admin.actions": N_("Actions"),
    # accounts
    "admin.accounts.title": N_("Accounts"),
    "admin.accounts.intro": N_(
        "Who may sign in to GeoHub: publishers work for one department, moderators handle citizen "
        "reports, administrators manage everything."
    ),
    "admin.accounts.caption": N_("Accounts ({n})"),
    "admin.accounts.name": N_("Name"),
    "admin.accounts.role": N_("Role"),
    "admin.accounts.department": N_("Department"),
    "admin.accounts.state": N_("State"),
    "admin.accounts.enabled": N_("Enabled"),
    "admin.accounts.disabled": N_("Disabled"),
    "admin.accounts.lastSignIn": N_("Last sign-in"),
    "admin.accounts.lastTokenUse": N_("Last token use"),
    "admin.accounts.you": N_("{name} (you)"),
    "admin.create.legend": N_("Create an account"),
    "admin.create.name": N_("User name"),
    "admin.create.nameHint": N_(
        "2 to 63 characters: small Latin letters, digits, '.', '_' and '-'; it starts with a letter or digit."
    ),
    "admin.create.role": N_("Role"),
    "admin.create.department": N_("Department"),
    "admin.create.noDepartment": N_("No department"),
    "admin.create.departmentHint": N_("Publishers need one: they publish that department's layers."),
    "admin.create.submit": N_("Create the account"),
    "admin.create.done": N_("Account {name} is created."),
    "admin.create.password": N_("One-time password of {name}"),
    "admin.create.passwordHint": N_("The user signs in with it and then chooses a password of their own."),
    "admin.create.needName": N_("Write the user name."),
    "admin.create.needDepartment": N_("Choose the publisher's department."),
    "admin.edit.short": N_("Change"),
    "admin.edit.button": N_("Change {name}"),
    "admin.edit.legend": N_("Change account {name}"),
    "admin.edit.submit": N_("Save the changes"),
    "admin.edit.done": N_("Account {name} is changed."),
    "admin.disable.short": N_("Disable"),
    "admin.disable.button": N_("Disable {name}"),
    "admin.disable.confirm": N_(
        "Disable account {name}? It can no longer sign in and its tokens stop working."
    ),
    "admin.disable.done": N_("Account {name} is disabled."),
    "admin.enable.short": N_("Enable"),
    "admin.enable.button": N_("Enable {name}"),
    "admin.enable.done": N_("Account {name} is enabled."),
    "admin.reset.short": N_("Reset password"),
    "admin.reset.button": N_("Reset the password of {name}"),
    "admin.reset.confirm": N_(
        "Reset the password of {name}? A new one is generated and every sign-in of the account ends."
    ),
    "admin.reset.done": N_("A new password for {name} is generated."),
    "admin.reset.password": N_("New password of {name}"),
    "admin.tokens.short": N_("Tokens"),
    "admin.tokens.button": N_("Tokens of {name}"),
    # tokens
    "admin.tokens.title": N_("Tokens"),
    "admin.tokens.intro": N_(
        "Sign-ins (session tokens) and API tokens of the accounts, newest first; their secrets are never "
        "shown again. A revoked token stops working at once."
    ),
    "admin.tokens.filter": N_("Show tokens"),
    "admin.tokens.account": N_("Account"),
    "admin.tokens.anyAccount": N_("Every account"),
    "admin.tokens.activeOnly": N_("Only tokens that still work"),
    "admin.tokens.apply": N_("Show"),
    "admin.tokens.caption": N_("Tokens ({n})"),
    "admin.tokens.id": N_("Token id"),
    "admin.tokens.kind": N_("Kind"),
    "admin.tokens.kind.session": N_("Sign-in"),
    "admin.tokens.kind.api": N_("API token"),
    "admin.tokens.created": N_("Created"),
    "admin.tokens.expires": N_("Expires"),
    "admin.tokens.lastUsed": N_("Last used"),
    "admin.tokens.state": N_("State"),
    "admin.tokens.active": N_("Works"),
    "admin.tokens.revoked": N_("Revoked"),
    "admin.tokens.inactive": N_("Expired or account disabled"),
    "admin.tokens.revokeShort": N_("Revoke"),
    "admin.tokens.revoke": N_("Revoke token {id}"),
    "admin.tokens.revokeConfirm": N_("Revoke token {id} of {name}? It stops working at once."),
    "admin.tokens.revokeOwn": N_("This is your own sign-in: revoking it signs you out."),
    "admin.tokens.revoked.done": N_("Token {id} is revoked."),
    "admin.tokens.empty": N_("No token matches."),
    "admin.tokens.create": N_("Create an API token"),
    "admin.tokens.createHint": N_(
        "For a script or a scheduled job acting as the account; it works until it expires or is revoked."
    ),
    "admin.tokens.expiresIn": N_("Expires after"),
    "admin.tokens.days": N_("{n} days"),
    "admin.tokens.never": N_("Never expires"),
    "admin.tokens.createSubmit": N_("Create the token"),
    "admin.tokens.created.done": N_("Token {id} of {name} is created."),
    "admin.tokens.secret": N_("API token of {name}"),
    # keys
    "admin.keys.title": N_("App keys"),
    "admin.keys.intro": N_(
        "Keys identify the apps that use GeoHub's tiles and APIs; each has a rate limit. A key is shown "
        "once, when it is created."
    ),
    "admin.keys.caption": N_("App keys ({n})"),
    "admin.keys.app": N_("App"),
    "admin.keys.contact": N_("Contact"),
    "admin.keys.id": N_("Key"),
    "admin.keys.limit": N_("Rate limit"),
    "admin.keys.today": N_("Requests today"),
    "admin.keys.total": N_("Requests in all"),
    "admin.keys.created": N_("Created"),
    "admin.keys.state": N_("State"),
    "admin.keys.works": N_("Works"),
    "admin.keys.revoked": N_("Revoked"),
    "admin.keys.empty": N_("No app key yet."),
    "admin.keys.create": N_("Create an app key"),
    "admin.keys.appHint": N_("The app's name, as its developers call it."),
    "admin.keys.contactHint": N_("Who to ask about the app (optional)."),
    "admin.keys.limitHint": N_("Requests per period, e.g. 1000/hour or 10 per minute."),
    "admin.keys.submit": N_("Create the key"),
    "admin.keys.done": N_("A key for {app} is created."),
    "admin.keys.secret": N_("Key of {app}"),
    "admin.keys.needApp": N_("Write the app's name."),
    "admin.keys.changeShort": N_("Change limit"),
    "admin.keys.change": N_("Change the limit of {app}"),
    "admin.keys.changeLegend": N_("Rate limit of {app}"),
    "admin.keys.changeSubmit": N_("Save the limit"),
    "admin.keys.changed": N_("The limit of {app} is now {limit}."),
    "admin.keys.revokeShort": N_("Revoke"),
    "admin.keys.revoke": N_("Revoke the key of {app}"),
    "admin.keys.revokeConfirm": N_(
        "Revoke the key of {app}? The app's requests with it are refused at once."
    ),
    "admin.keys.revokedDone": N_("The key of {app} is revoked."),
    "admin.keys.restoreShort": N_("Enable again"),
    "admin.keys.restore": N_("Let the key of {app} work again"),
    "admin.keys.restored": N_("The key of {app} works again."),
}
