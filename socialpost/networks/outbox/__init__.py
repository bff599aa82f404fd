"""The embedded default network: posts become files in a local folder and entries in an Atom feed.

Needs no account anywhere. The folder is ``accounts.outbox.<name>.folder`` (relative to the config
file's folder) or ``<data dir>/outbox/<name>``. Each post is written as ``<folder>/posts/<name>.json``
(one JSON document per post, written atomically) and the folder's ``feed.xml`` is regenerated as a
valid Atom 1.0 feed of the newest posts, so any feed reader or feed-to-social bridge can consume
it. Publishing the same post again (same idempotency key) finds its file and changes nothing (the
adapter is idempotent), also when several threads or daemons share the folder.

The package's parts: ``settings``, ``posts`` (the post files), ``feed`` (the Atom feed) and
``publish`` (writing a post, reconcile); this module adds the set-up and the health check.
"""

from __future__ import annotations

from socialpost.i18n import N_, _
from socialpost.networks.base import AccountSetup, AdapterContext, SetupUI
from socialpost.networks.capabilities import GuidedSetup, HealthCheck, Reconciler
from socialpost.networks.health import AccountHealth
from socialpost.networks.outbox.publish import OutboxWriter
from socialpost.networks.outbox.settings import OutboxSettings
from socialpost.networks.profile import NetworkProfile, PreviewLook
from socialpost.text.rules import LengthRule

__all__ = ["OutboxNetwork", "OutboxSettings"]


class OutboxNetwork(OutboxWriter, Reconciler, GuidedSetup, HealthCheck):
    profile = NetworkProfile(
        name="outbox",
        title=N_("Local outbox (files + Atom feed)"),
        settings_model=OutboxSettings,
        length=LengthRule("outbox"),
        needs_config=False,
        idempotent=True,
        colour="#6b7280",
        look=PreviewLook(name="Outbox"),
    )

    @classmethod
    def setup(cls, ui: SetupUI, *, account: str, context: AdapterContext) -> AccountSetup:
        ui.say(
            _(
                "The outbox needs no account anywhere: each post becomes a JSON file and an entry in an "
                "Atom feed in a folder. Leave the folder empty for the default in socialpost's data folder."
            )
        )
        folder = ui.ask(_("Folder (empty for the default)"), default="").strip()
        title = ui.ask(_("Feed title (empty for the default)"), default="").strip()
        settings = {k: v for k, v in (("folder", folder), ("feed_title", title)) if v}
        return AccountSetup(settings=settings)

    def health(self) -> AccountHealth:
        return AccountHealth(
            self.account, _("folder {folder}").format(folder=self.folder), {N_("feed"): str(self.folder / "feed.xml")}
        )
