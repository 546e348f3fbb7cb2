"""What every module does when a write's answer is lost, and when the API refuses an operation on a busy app:
one contract, run over every module's writes.

Resource.write itself is tested in test_writes.py; here each module's use of it is: does the module read
the right state after a lost answer, see its write there, and send it again only when it is not there (or
never, for what a second copy would duplicate)? A module joins the contract with one entry in LOST_WRITES
(and BUSY_OPERATIONS for an operation the API refuses while the app is busy): see CONTRIBUTING.md.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

import pytest

from ansible_collections.scalingo.cloud.plugins.module_utils._notify import masked
from ansible_collections.scalingo.cloud.plugins.modules.scalingo_addon import Addon
from ansible_collections.scalingo.cloud.plugins.modules.scalingo_alert import Alerts
from ansible_collections.scalingo.cloud.plugins.modules.scalingo_app import App
from ansible_collections.scalingo.cloud.plugins.modules.scalingo_autoscaler import Autoscaler
from ansible_collections.scalingo.cloud.plugins.modules.scalingo_child_app import ChildApp
from ansible_collections.scalingo.cloud.plugins.modules.scalingo_collaborator import Collaborator
from ansible_collections.scalingo.cloud.plugins.modules.scalingo_database import Database
from ansible_collections.scalingo.cloud.plugins.modules.scalingo_database_backup import DatabaseBackup
from ansible_collections.scalingo.cloud.plugins.modules.scalingo_database_restore import DatabaseRestore
from ansible_collections.scalingo.cloud.plugins.modules.scalingo_database_user import DatabaseUser
from ansible_collections.scalingo.cloud.plugins.modules.scalingo_deployment import Deployment
from ansible_collections.scalingo.cloud.plugins.modules.scalingo_domain import Domain
from ansible_collections.scalingo.cloud.plugins.modules.scalingo_env import Env
from ansible_collections.scalingo.cloud.plugins.modules.scalingo_log_drain import LogDrain
from ansible_collections.scalingo.cloud.plugins.modules.scalingo_notifier import Notifier
from ansible_collections.scalingo.cloud.plugins.modules.scalingo_restart import Restart
from ansible_collections.scalingo.cloud.plugins.modules.scalingo_run import Run
from ansible_collections.scalingo.cloud.plugins.modules.scalingo_scale import Scale
from ansible_collections.scalingo.cloud.plugins.modules.scalingo_scm_repo_link import RepoLink
from ansible_collections.scalingo.cloud.tests.unit.plugins.modules import (
    test_scalingo_addon as addon,
)
from ansible_collections.scalingo.cloud.tests.unit.plugins.modules import (
    test_scalingo_alert as alerts,
)
from ansible_collections.scalingo.cloud.tests.unit.plugins.modules import (
    test_scalingo_app as app,
)
from ansible_collections.scalingo.cloud.tests.unit.plugins.modules import (
    test_scalingo_autoscaler as scaler,
)
from ansible_collections.scalingo.cloud.tests.unit.plugins.modules import (
    test_scalingo_child_app as child,
)
from ansible_collections.scalingo.cloud.tests.unit.plugins.modules import (
    test_scalingo_collaborator as collab,
)
from ansible_collections.scalingo.cloud.tests.unit.plugins.modules import (
    test_scalingo_database as database,
)
from ansible_collections.scalingo.cloud.tests.unit.plugins.modules import (
    test_scalingo_database_backup as backup,
)
from ansible_collections.scalingo.cloud.tests.unit.plugins.modules import (
    test_scalingo_database_restore as restore_db,
)
from ansible_collections.scalingo.cloud.tests.unit.plugins.modules import (
    test_scalingo_database_user as db_user,
)
from ansible_collections.scalingo.cloud.tests.unit.plugins.modules import (
    test_scalingo_deployment as deploy,
)
from ansible_collections.scalingo.cloud.tests.unit.plugins.modules import (
    test_scalingo_domain as domain,
)
from ansible_collections.scalingo.cloud.tests.unit.plugins.modules import (
    test_scalingo_env as env,
)
from ansible_collections.scalingo.cloud.tests.unit.plugins.modules import (
    test_scalingo_log_drain as drain,
)
from ansible_collections.scalingo.cloud.tests.unit.plugins.modules import (
    test_scalingo_notifier as notifier,
)
from ansible_collections.scalingo.cloud.tests.unit.plugins.modules import (
    test_scalingo_restart as restart,
)
from ansible_collections.scalingo.cloud.tests.unit.plugins.modules import (
    test_scalingo_run as run,
)
from ansible_collections.scalingo.cloud.tests.unit.plugins.modules import (
    test_scalingo_scale as scale,
)
from ansible_collections.scalingo.cloud.tests.unit.plugins.modules import (
    test_scalingo_scm_repo_link as repo,
)
from ansible_collections.scalingo.cloud.tests.unit.plugins.modules.database_fakes import on_database
from ansible_collections.scalingo.cloud.tests.unit.plugins.modules.fakes import (
    Expected,
    again,
    answer,
    busy,
    expect,
    fails,
    lost,
    not_found,
    succeeds,
    unprocessable,
)


@dataclass
class LostWrite:
    """One write of one module, and the reads that tell whether it landed.

    - done: the write (an expect()) as the API answers it when it goes through;
    - before: what the module reads before it; after: what it reads or sends once the write went through;
    - landed / missing: the read(s) after a lost answer when the write took effect / when it did not;
      None for an action no read can tell (it is never sent again);
    - look: a creation the API refuses to make twice is looked for this many seconds (api_timeout, or the
      task's wait_timeout) before it is sent again; None: read once;
    - resend: False when a second copy would be a second object (it is never sent again);
    - shows: what the result holds once the write took effect, whichever way that was learnt;
    - blind: no read tells whether it landed, and a second copy is the same state (a password set again):
      it is sent once more, with nothing read between (landed and missing are then []).
    """

    id: str
    resource: type
    params: dict
    done: Expected
    before: list = field(default_factory=list)
    landed: list | None = None
    missing: list | None = None
    after: list = field(default_factory=list)
    look: float | None = None
    resend: bool = True
    shows: dict = field(default_factory=dict)
    # The reads after a second lost answer (Resource.write reads a last time; scale does not).
    last_read: bool = True
    blind: bool = False

    def lost(self) -> Expected:
        return expect(self.done.method, self.done.path, lost())

    @property
    def write(self) -> str:
        return repr(self.done)

    def missing_while_looked_for(self) -> list:
        return [again(item) for item in self.missing] if self.look else self.missing


def script(*parts):
    """A fresh script from the entry's parts (scripted answers count their uses)."""
    return [copy.deepcopy(item) for part in parts for item in part]


def writes(o):
    return [repr(call) for call in o.client.mutations]


def shown_in(result, shows):
    return {key: result[key] for key in shows} == shows


A_APP, A_OLD, C_CURRENT = app.app(), app.app(app.OLD), env.CURRENT
B_NEW, B_OLD = backup.backup("bk-new", 0, status="scheduled", method="manual"), backup.backup("bk-old", 7200)
D_TLS = [("force-ssl", "ACTIVATED")]

LOST_WRITES = [
    LostWrite(
        "app-create",
        App,
        app.params(),
        app.created(A_APP),
        before=[app.missing()],
        landed=[app.read(A_APP)],
        missing=[app.missing()],
        look=30,
        shows={"app": A_APP},
    ),
    LostWrite(
        "app-update",
        App,
        app.params(force_https=True),
        app.patched(app.app(force_https=True)),
        before=[app.read(A_APP)],
        landed=[app.read(app.app(force_https=True))],
        missing=[app.read(A_APP)],
        shows={"app": app.app(force_https=True)},
    ),
    LostWrite(
        "app-rename",
        App,
        app.params(rename_from=app.OLD),
        app.renamed(A_APP),
        before=[app.listing(A_OLD)],
        landed=[app.read(A_APP)],
        missing=[app.missing()],
        shows={"app": A_APP},
    ),
    LostWrite(
        "app-delete",
        App,
        app.params(state="absent"),
        app.deleted(),
        before=[app.read(A_APP)],
        landed=[app.missing()],
        missing=[app.read(A_APP)],
        shows={"app": {}},
    ),
    LostWrite(
        "child_app-create",
        ChildApp,
        child.params(),
        child.created(child.child()),
        before=[child.missing()],
        landed=[child.read(child.child())],
        missing=[child.missing()],
        look=30,
        shows={"app": child.child()},
    ),
    LostWrite(
        "child_app-delete",
        ChildApp,
        child.params(state="absent"),
        child.deleted(),
        before=[child.read(child.child())],
        landed=[child.missing()],
        missing=[child.read(child.child())],
    ),
    LostWrite(
        "autoscaler-create",
        Autoscaler,
        scaler.full(),
        scaler.created(scaler.scaler()),
        before=[scaler.listing(), scaler.formation()],
        landed=[scaler.listing(scaler.scaler())],
        missing=[scaler.listing()],
        look=30,
        shows={"autoscaler": scaler.scaler()},
    ),
    LostWrite(
        "autoscaler-update",
        Autoscaler,
        scaler.params(max_containers=8),
        scaler.patched(scaler.scaler(max_containers=8)),
        before=[scaler.listing(scaler.scaler())],
        landed=[scaler.listing(scaler.scaler(max_containers=8))],
        missing=[scaler.listing(scaler.scaler())],
        shows={"autoscaler": scaler.scaler(max_containers=8)},
    ),
    LostWrite(
        "autoscaler-delete",
        Autoscaler,
        scaler.params(state="absent"),
        scaler.deleted(),
        before=[scaler.listing(scaler.scaler())],
        landed=[scaler.listing()],
        missing=[scaler.listing(scaler.scaler())],
    ),
    LostWrite(
        "notifier-create",
        Notifier,
        notifier.hook(),
        notifier.created(notifier.notifier()),
        before=[notifier.listing(), notifier.platforms()],
        landed=[notifier.listing(notifier.notifier())],
        missing=[notifier.listing()],
        look=30,
        shows={"notifier": masked(notifier.notifier())},
    ),
    LostWrite(
        "notifier-update",
        Notifier,
        notifier.hook(active=False),
        notifier.patched(notifier.notifier(active=False)),
        before=[notifier.listing(notifier.notifier())],
        landed=[notifier.listing(notifier.notifier(active=False))],
        missing=[notifier.listing(notifier.notifier())],
        shows={"notifier": masked(notifier.notifier(active=False))},
    ),
    LostWrite(
        "notifier-delete",
        Notifier,
        notifier.params(state="absent"),
        expect("DELETE", notifier.ONE, notifier.answer(204)),
        before=[notifier.listing(notifier.notifier())],
        landed=[notifier.listing()],
        missing=[notifier.listing(notifier.notifier())],
    ),
    LostWrite(
        "alert-create",
        Alerts,
        alerts.cpu(),
        alerts.created(alerts.alert()),
        before=[alerts.listing()],
        landed=[alerts.listing(alerts.alert())],
        missing=[alerts.listing()],
        look=30,
        shows={"alert": alerts.alert()},
    ),
    LostWrite(
        "alert-update",
        Alerts,
        alerts.cpu(limit=0.9),
        alerts.patched("al-1", alerts.alert(limit=0.9)),
        before=[alerts.listing(alerts.alert())],
        landed=[alerts.listing(alerts.alert(limit=0.9))],
        missing=[alerts.listing(alerts.alert())],
        shows={"alert": alerts.alert(limit=0.9)},
    ),
    LostWrite(
        "alert-delete",
        Alerts,
        alerts.params(container_type="web", metric="cpu", state="absent"),
        alerts.deleted("al-1"),
        before=[alerts.listing(alerts.alert())],
        landed=[alerts.listing()],
        missing=[alerts.listing(alerts.alert())],
    ),
    LostWrite(
        "collaborator-create",
        Collaborator,
        collab.params(),
        collab.invited(collab.member()),
        before=[collab.listing(), collab.app_read()],
        landed=[collab.listing(collab.member())],
        missing=[collab.listing()],
        look=30,
        shows={"collaborator": collab.without_link(collab.member())},
    ),
    LostWrite(
        "collaborator-update",
        Collaborator,
        collab.params(limited=False),
        collab.patched(collab.member(is_limited=False)),
        before=[collab.listing(collab.member())],
        landed=[collab.listing(collab.member(is_limited=False))],
        missing=[collab.listing(collab.member())],
        shows={"diff": {"before": collab.present(True), "after": collab.present(False)}},
    ),
    LostWrite(
        "collaborator-delete",
        Collaborator,
        collab.params(state="absent"),
        collab.deleted(),
        before=[collab.listing(collab.member())],
        landed=[collab.listing()],
        missing=[collab.listing(collab.member())],
        shows={"collaborator": {}},
    ),
    LostWrite(
        "domain-create",
        Domain,
        domain.params(),
        domain.posted(domain.domain()),
        before=[domain.listing()],
        landed=[domain.listing(domain.domain())],
        missing=[domain.listing()],
        look=30,
        shows={"domain": domain.domain()},
    ),
    LostWrite(
        "domain-update",
        Domain,
        domain.params(letsencrypt=False),
        domain.patched(dict(domain.domain(), letsencrypt_enabled=False)),
        before=[domain.listing(domain.domain())],
        landed=[domain.listing(dict(domain.domain(), letsencrypt_enabled=False))],
        missing=[domain.listing(domain.domain())],
        shows={"domain": dict(domain.domain(), letsencrypt_enabled=False)},
    ),
    LostWrite(
        "domain-delete",
        Domain,
        domain.params(state="absent"),
        domain.deleted(),
        before=[domain.listing(domain.domain())],
        landed=[domain.listing()],
        missing=[domain.listing(domain.domain())],
    ),
    LostWrite(
        "env-update",
        Env,
        env.params({"NEW": "one"}),
        env.put("NEW"),
        before=[env.listing(*C_CURRENT)],
        landed=[env.listing(*C_CURRENT, env.var("NEW", "one"))],
        missing=[env.listing(*C_CURRENT)],
        shows={"added": ["NEW"]},
    ),
    LostWrite(
        "env-delete",
        Env,
        env.params(state="absent", names=["OLD_FLAG", "API_KEY"]),
        env.deleted(),
        before=[env.listing(*C_CURRENT)],
        landed=[env.listing(C_CURRENT[0], *C_CURRENT[3:])],
        missing=[env.listing(*C_CURRENT)],
        shows={"removed": ["API_KEY", "OLD_FLAG"]},
    ),
    LostWrite(
        "addon-create",
        Addon,
        addon.params(wait_timeout=45),
        addon.provisioned(addon.addon(status="provisioning")),
        before=[addon.listing(), addon.catalogue()],
        landed=[addon.listing(addon.addon(status="provisioning"))],
        missing=[addon.listing()],
        after=[addon.shown_addon(addon.addon()), addon.variables()],
        look=45,
        resend=False,
        shows={"addon": addon.addon()},
    ),
    LostWrite(
        "addon-update",
        Addon,
        addon.params(plan="postgresql-sandbox"),
        addon.patched(addon.addon("postgresql-sandbox")),
        before=[addon.listing(addon.addon()), addon.catalogue()],
        landed=[addon.shown_addon(addon.addon("postgresql-sandbox"))],
        missing=[addon.shown_addon(addon.addon())],
        after=[addon.variables()],
    ),
    LostWrite(
        "addon-delete",
        Addon,
        addon.gone(confirm=addon.ID),
        addon.deleted(),
        before=[addon.listing(addon.addon())],
        landed=[expect("GET", f"/apps/{addon.APP}/addons/{addon.ID}", not_found("addon"))],
        missing=[addon.shown_addon(addon.addon())],
    ),
    LostWrite(
        "deployment-create",
        Deployment,
        deploy.params(wait_timeout=60),
        deploy.created(),
        before=[deploy.listing(deploy.OLD)],
        landed=[deploy.listing(deploy.dep("d-new", "building"), deploy.OLD)],
        missing=[deploy.listing(deploy.OLD)],
        after=[deploy.poll("success"), deploy.app_read()],
        look=60,
        resend=False,
        shows={"deployment": deploy.dep("d-new", "success")},
    ),
    LostWrite(
        "scale-update",
        Scale,
        scale.params(("web", 3), wait=False),
        scale.scaled(scale.web(3), scale.worker()),
        before=[scale.formation(scale.web(), scale.worker()), scale.autoscalers()],
        landed=[scale.formation(scale.web(3), scale.worker())],
        missing=[scale.formation(scale.web(), scale.worker())],
        shows={"containers": [scale.web(3), scale.worker()]},
        last_read=False,
    ),
    LostWrite(
        "log_drain-create",
        LogDrain,
        drain.params(type="datadog", token=drain.TOKEN, drain_region="eu"),
        drain.added(drain.DATADOG),
        before=[drain.listing()],
        landed=[drain.listing(drain.DATADOG)],
        missing=[drain.listing()],
        look=30,
        shows={"added": [drain.shown(drain.DATADOG)]},
    ),
    LostWrite(
        "log_drain-delete",
        LogDrain,
        drain.params(url=drain.ELK, state="absent"),
        drain.removed(),
        before=[drain.listing(drain.ELK)],
        landed=[drain.listing()],
        missing=[drain.listing(drain.ELK)],
        shows={"removed": [drain.shown(drain.ELK)], "drains": []},
    ),
    LostWrite(
        "scm_repo_link-create",
        RepoLink,
        repo.params(source=repo.SOURCE, integration=repo.GITHUB),
        repo.created(repo.link()),
        before=[repo.read(), repo.integrations()],
        landed=[repo.read(repo.link())],
        missing=[repo.read()],
        look=30,
        shows={"scm_repo_link": repo.link()},
    ),
    LostWrite(
        "scm_repo_link-update",
        RepoLink,
        repo.params(auto_deploy=True),
        expect("PATCH", repo.PATH, answer(200, {"scm_repo_link": repo.link(auto_deploy_enabled=True)})),
        before=[repo.read(repo.link())],
        landed=[repo.read(repo.link(auto_deploy_enabled=True))],
        missing=[repo.read(repo.link())],
        shows={"scm_repo_link": repo.link(auto_deploy_enabled=True)},
    ),
    LostWrite(
        "scm_repo_link-delete",
        RepoLink,
        repo.params(state="absent"),
        expect("DELETE", repo.PATH, answer(204)),
        before=[repo.read(repo.link())],
        landed=[repo.read()],
        missing=[repo.read(repo.link())],
        shows={"scm_repo_link": {}},
    ),
    LostWrite(
        "database-settings",
        on_database(Database),
        database.params(periodic_backups={"enabled": False}),
        expect("PATCH", database.ONE, answer(200, {"database": database.database(enabled=False)})),
        before=[database.read()],
        landed=[database.read(enabled=False)],
        missing=[database.read()],
        shows={"database": database.database(enabled=False)},
    ),
    LostWrite(
        "database-feature",
        on_database(Database),
        database.params(features={"force_tls": True}, wait=False),
        expect("POST", database.FEATURES, answer(200, {"name": "force-ssl", "status": "ACTIVATED"})),
        before=[database.read()],
        landed=[database.read(features=D_TLS)],
        missing=[database.read()],
        after=[database.read(features=D_TLS)],
        look=300,
        shows={"database": database.database(features=D_TLS)},
    ),
    LostWrite(
        "database_backup-create",
        on_database(DatabaseBackup),
        backup.params(wait=False, wait_timeout=30),
        backup.created(B_NEW),
        before=[backup.listing(B_OLD)],
        landed=[backup.listing(B_NEW, B_OLD)],
        missing=[backup.listing(B_OLD)],
        look=30,
        resend=False,
        shows={"backup": B_NEW, "taken": True},
    ),
    LostWrite(
        "database_user-create",
        on_database(DatabaseUser),
        db_user.params(password=db_user.PASSWORD),
        expect("POST", db_user.USERS, answer(201, {"database_user": db_user.user()})),
        before=[db_user.listing()],
        landed=[db_user.listing(db_user.user())],
        missing=[db_user.listing()],
        look=30,
        shows={"user": db_user.user()},
    ),
    LostWrite(
        "database_user-update",
        on_database(DatabaseUser),
        db_user.params(password=db_user.PASSWORD, update_password="always"),
        expect("PATCH", f"{db_user.USERS}/analytics", answer(200, {"database_user": db_user.user()})),
        before=[db_user.listing(db_user.user())],
        landed=[],
        missing=[],
        blind=True,
        shows={"user": db_user.user()},
    ),
    LostWrite(
        "database_user-delete",
        on_database(DatabaseUser),
        db_user.params(state="absent"),
        expect("DELETE", f"{db_user.USERS}/analytics", answer(204)),
        before=[db_user.listing(db_user.user())],
        landed=[db_user.listing()],
        missing=[db_user.listing(db_user.user())],
        shows={"user": {}},
    ),
    LostWrite(
        "database_restore-action",
        on_database(DatabaseRestore),
        restore_db.params(restore_time="2027-01-14T08:00:00Z"),
        expect("POST", f"{restore_db.DB}/pitr/restore", answer(201, {"operation": {"id": "op-1"}})),
        before=[restore_db.window()],
    ),
    LostWrite("restart-action", Restart, restart.params(), restart.restarted()),
    LostWrite("run-action", Run, run.params(env={"TOKEN": run.SECRET}), run.started()),
]

READ = [w for w in LOST_WRITES if w.landed is not None and not w.blind]
RESENT = [w for w in LOST_WRITES if w.landed is not None and w.resend]
LOOKED_FOR = [w for w in READ if w.look]
NEVER_RESENT = [w for w in READ if not w.resend]
ACTIONS = [w for w in LOST_WRITES if w.landed is None]


def ids(entries):
    return [w.id for w in entries]


@pytest.mark.parametrize("w", READ, ids=ids(READ))
def test_a_lost_write_that_landed_is_not_sent_again(w):
    o = succeeds(w.resource, w.params, *script(w.before, [w.lost()], w.landed, w.after))
    assert writes(o) == [w.write] and o.client.wrote is True
    assert o.changed is True and shown_in(o.result, w.shows)


@pytest.mark.parametrize("w", LOOKED_FOR, ids=ids(LOOKED_FOR))
def test_a_lost_creation_still_in_flight_is_seen_when_it_shows_up_and_not_sent_again(w):
    o = succeeds(w.resource, w.params, *script(w.before, [w.lost()], w.missing * 3, w.landed, w.after))
    assert writes(o) == [w.write] and o.changed is True and shown_in(o.result, w.shows)
    assert o.clock.slept[:4] == [0.0, 1.0, 1.0, 1.0]  # at once, then with the waiter's backoff


@pytest.mark.parametrize("w", RESENT, ids=ids(RESENT))
def test_a_lost_write_that_did_not_land_is_sent_exactly_once_more(w):
    o = succeeds(w.resource, w.params, *script(w.before, [w.lost()], w.missing_while_looked_for(), [w.done], w.after))
    first, second = (call for call in o.client.calls if call.mutating)
    assert writes(o) == [w.write, w.write] and second.json == first.json
    assert o.changed is True and shown_in(o.result, w.shows)
    if w.look:
        # Looked for during the whole landing time first, at once then with backoff, before sending again.
        reads = o.client.calls.index(second) - o.client.calls.index(first) - 1
        assert reads > 3 and o.clock.slept[0] == 0.0 and sum(o.clock.slept[:reads]) == pytest.approx(w.look)


@pytest.mark.parametrize("w", RESENT, ids=ids(RESENT))
def test_a_write_lost_twice_that_did_not_land_fails_as_a_change_of_unknown_outcome(w):
    last = w.missing if w.last_read else []
    o = fails(w.resource, w.params, *script(w.before, [w.lost()], w.missing_while_looked_for(), [w.lost()], last))
    assert writes(o) == [w.write, w.write]
    assert o.error.unknown_outcome is True and o.client.wrote is True
    assert "the request may or may not have been applied" in o.error.message


@pytest.mark.parametrize("w", NEVER_RESENT, ids=ids(NEVER_RESENT))
def test_a_lost_creation_that_never_shows_up_is_never_sent_again_and_fails_as_a_change(w):
    o = fails(w.resource, w.params, *script(w.before, [w.lost()], w.missing_while_looked_for()))
    assert writes(o) == [w.write]
    assert o.error.changed is True and o.error.unknown_outcome is True
    assert sum(o.clock.slept) == pytest.approx(w.look) and len(o.sent) - len(w.before) - 1 > 5
    assert "the request may or may not have been applied. " in o.error.message  # then what to look at


@pytest.mark.parametrize("w", ACTIONS, ids=ids(ACTIONS))
def test_a_lost_action_is_never_sent_again_and_fails_as_a_change_of_unknown_outcome(w):
    o = fails(w.resource, w.params, *script(w.before, [w.lost()]))
    assert o.sent == [repr(item) for item in w.before] + [w.write]
    assert o.error.unknown_outcome is True and o.client.wrote is True


# -- an app busy with another operation ---------------------------------------------------------------


@dataclass
class BusyOperation:
    """An operation the API refuses while the app is busy: `done` (an expect()) as it goes through, with what
    is read `before` it (and again before each new sending), what `after`, and the operation's words."""

    id: str
    resource: type
    params: object  # params(**options): the task's parameters
    done: Expected
    app_status: object  # app_status(word, repeat=False): the app's read
    before: list = field(default_factory=list)
    after: list = field(default_factory=list)
    action: str = ""  # how a refusal starts: "could not scale app 'my-shop'"

    def refused(self, reply) -> Expected:
        return expect(self.done.method, self.done.path, reply)

    @property
    def write(self) -> str:
        return repr(self.done)


BUSY_OPERATIONS = [
    BusyOperation(
        "scale",
        Scale,
        lambda **options: scale.params(("web", 3), **options),
        scale.scaled(scale.web(3), scale.worker()),
        scale.app_status,
        before=[scale.formation(scale.web(), scale.worker()), scale.autoscalers()],
        after=[scale.operation("done")],
        action=f"could not scale app '{scale.APP}'",
    ),
    BusyOperation(
        "restart",
        Restart,
        restart.params,
        restart.restarted(),
        restart.app_status,
        after=[restart.operation("done")],
        action=f"could not restart app '{restart.APP}'",
    ),
]


def busy_ids():
    return [b.id for b in BUSY_OPERATIONS]


@pytest.mark.parametrize("b", BUSY_OPERATIONS, ids=busy_ids())
def test_an_operation_refused_while_the_app_is_busy_is_sent_again_once_it_is_free(b):
    statuses = [b.app_status("restarting"), b.app_status("restarting"), b.app_status("running")]
    o = succeeds(
        b.resource,
        b.params(),
        *script(b.before, [b.refused(busy("restarting"))], statuses, b.before[:1], [b.done], b.after),
    )
    reads = [f"GET /apps/{scale.APP}"] * 3
    assert o.sent == [*map(repr, b.before), b.write, *reads, *map(repr, b.before[:1]), b.write, *map(repr, b.after)]
    assert o.changed is True and o.result["operation"]["status"] == "done"
    waited = [call.deadline for call in o.client.calls if call.path == f"/apps/{scale.APP}"]
    assert waited == [1300.0] * 3  # the reads of the app's status stop at the task's deadline


@pytest.mark.parametrize("b", BUSY_OPERATIONS, ids=busy_ids())
def test_a_busy_refusal_is_retried_even_when_the_app_is_free_again_by_the_time_it_is_read(b):
    # The other operation ended between the refusal and the read: busy is what the refusal said.
    o = succeeds(
        b.resource,
        b.params(),
        *script(b.before, [b.refused(busy("restarting")), b.app_status("running")], b.before[:1], [b.done], b.after),
    )
    assert writes(o) == [b.write, b.write] and o.clock.slept[0] == 0.5
    assert o.changed is True and o.result["operation"]["status"] == "done"


@pytest.mark.parametrize("b", BUSY_OPERATIONS, ids=busy_ids())
def test_busy_refusals_of_an_app_that_reads_free_are_retried_with_growing_pauses(b):
    refused_then_free = [b.refused(busy("scaling")), b.app_status("running"), *b.before[:1]]
    o = succeeds(b.resource, b.params(), *script(b.before, refused_then_free * 3, [b.done], b.after))
    assert writes(o) == [b.write] * 4
    # 0.5 s after the first refusal, then the waiter's policy on the time spent since it: at least 1 s.
    assert o.clock.slept[:3] == [0.5, 1.0, 1.0]


@pytest.mark.parametrize("b", BUSY_OPERATIONS, ids=busy_ids())
def test_busy_refusals_past_the_deadline_fail_even_when_the_app_reads_free(b):
    refused_then_free = [b.refused(busy("restarting")), b.app_status("running"), *b.before[:1]]
    o = fails(
        b.resource,
        b.params(wait_timeout=2),
        *script(b.before, refused_then_free * 3, [b.refused(busy("restarting"))]),
    )
    assert o.error.message == (
        f"app '{scale.APP}' was still busy (the API refused the operation again: another operation in progress) "
        "after wait_timeout=2 s"
    )
    # Refused at 0, read at 0.5, 1.5 and 2 (no pause goes past the deadline), refused the last time at 2.
    assert o.clock.slept == [0.5, 1.0, 0.5] and o.clock.now == 1002.0
    assert o.error.changed is None and o.client.wrote is False


@pytest.mark.parametrize("b", BUSY_OPERATIONS, ids=busy_ids())
def test_a_refusal_in_unknown_words_about_the_app_counts_as_busy_when_its_status_shows_an_operation(b):
    refusal = unprocessable({"app": ["cannot do that right now"]})
    statuses = [b.app_status("scaling"), b.app_status("running")]
    o = succeeds(
        b.resource, b.params(), *script(b.before, [b.refused(refusal)], statuses, b.before[:1], [b.done], b.after)
    )
    assert writes(o) == [b.write, b.write] and o.changed is True


@pytest.mark.parametrize("b", BUSY_OPERATIONS, ids=busy_ids())
@pytest.mark.parametrize("word", ["scaling", "restarting"])
def test_a_busy_app_without_wait_fails_cleanly_after_one_refusal(b, word):
    o = fails(b.resource, b.params(wait=False), *script(b.before, [b.refused(busy(word))]))
    assert o.sent == [*map(repr, b.before), b.write]
    assert o.error.message == (
        f"app '{scale.APP}' is busy ({word}): another operation is in progress; retry later or set wait=true"
    )
    assert o.error.changed is None and o.client.wrote is False


@pytest.mark.parametrize("b", BUSY_OPERATIONS, ids=busy_ids())
@pytest.mark.parametrize("word", ["scaling", "restarting"])
def test_an_app_busy_past_the_deadline_fails(b, word):
    o = fails(
        b.resource,
        b.params(wait_timeout=30),
        *script(b.before, [b.refused(busy(word)), b.app_status(word, repeat=True)]),
    )
    assert (
        o.error.message == f"app '{scale.APP}' was still {word} (another operation in progress) after wait_timeout=30 s"
    )
    assert writes(o) == [b.write] and o.clock.now == 1030.0


@pytest.mark.parametrize("b", BUSY_OPERATIONS, ids=busy_ids())
def test_a_refusal_about_the_app_when_it_is_not_busy_is_the_api_reason(b):
    refusal = unprocessable({"app": ["app is not deployed"]})
    o = fails(b.resource, b.params(), *script(b.before, [b.refused(refusal), b.app_status("new")]))
    assert o.error.message == f"{b.action}: app is not deployed (HTTP 422)"
    assert writes(o) == [b.write]
