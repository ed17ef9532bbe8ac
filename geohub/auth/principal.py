"""Principal: who a request acts for, and what that lets it read and write."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from geohub.layers.models import Attribute, LayerDefinition


class Role(StrEnum):
    admin = "admin"
    publisher = "publisher"  # writes only its own department's layers
    moderator = "moderator"  # moderates citizen reports


@dataclass(frozen=True)
class Principal:
    """An account signed in with a token, or the anonymous public (maybe with an app key)."""

    user: str | None = None
    role: Role | None = None
    department: str | None = None
    api_key: str | None = None  # the app developer key's id, when the request carried one

    @property
    def is_signed_in(self) -> bool:
        return self.user is not None

    @property
    def audience(self) -> str:
        """`staff` for signed-in accounts (they see restricted layers and attributes), else `public`."""
        return "staff" if self.is_signed_in else "public"

    def may_read(self, layer: LayerDefinition) -> bool:
        return layer.is_public or self.is_signed_in

    def visible_attributes(self, layer: LayerDefinition) -> tuple[Attribute, ...]:
        """The attributes this principal may see: restricted ones only when signed in."""
        return layer.attributes if self.is_signed_in else layer.public_attributes()

    def may_write(self, layer: LayerDefinition) -> bool:
        """Admins write every layer; publishers only their own department's."""
        if self.role is Role.admin:
            return True
        return self.role is Role.publisher and self.department == layer.department


ANONYMOUS = Principal()
