"""Ordered, named schema migrations: the one place the relational schema is written down."""

from __future__ import annotations

INITIAL: list[str] = [
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    """CREATE TABLE signing_keys (
        kid TEXT PRIMARY KEY, private_pem TEXT NOT NULL, cert_pem TEXT NOT NULL, created REAL NOT NULL)""",
    """CREATE TABLE tenants (
        id TEXT PRIMARY KEY, domain TEXT NOT NULL UNIQUE COLLATE NOCASE, display_name TEXT NOT NULL)""",
    """CREATE TABLE applications (
        object_id TEXT PRIMARY KEY, app_id TEXT NOT NULL UNIQUE, tenant_id TEXT NOT NULL,
        display_name TEXT NOT NULL, created REAL NOT NULL, body TEXT NOT NULL)""",
    """CREATE TABLE password_credentials (
        key_id TEXT PRIMARY KEY, app_id TEXT NOT NULL REFERENCES applications(app_id) ON DELETE CASCADE,
        display_name TEXT, hint TEXT NOT NULL, salt TEXT NOT NULL, digest TEXT NOT NULL,
        start REAL NOT NULL, end REAL NOT NULL)""",
    "CREATE INDEX password_credentials_app ON password_credentials(app_id)",
    """CREATE TABLE service_principals (
        object_id TEXT PRIMARY KEY, app_id TEXT NOT NULL UNIQUE, tenant_id TEXT NOT NULL,
        display_name TEXT NOT NULL, kind TEXT NOT NULL, resource_id TEXT COLLATE NOCASE,
        names TEXT NOT NULL, enabled INTEGER NOT NULL, created REAL NOT NULL)""",
    "CREATE INDEX service_principals_name ON service_principals(display_name COLLATE NOCASE)",
    "CREATE INDEX service_principals_resource ON service_principals(resource_id)",
    """CREATE TABLE users (
        object_id TEXT PRIMARY KEY, upn TEXT NOT NULL UNIQUE COLLATE NOCASE, tenant_id TEXT NOT NULL,
        display_name TEXT NOT NULL, salt TEXT NOT NULL, digest TEXT NOT NULL, created REAL NOT NULL)""",
    """CREATE TABLE refresh_tokens (
        digest TEXT PRIMARY KEY, subject TEXT NOT NULL, client_id TEXT NOT NULL, expires REAL NOT NULL)""",
    """CREATE TABLE nodes (
        name TEXT PRIMARY KEY, salt TEXT NOT NULL, digest TEXT NOT NULL,
        identities TEXT NOT NULL, created REAL NOT NULL)""",
    """CREATE TABLE subscriptions (
        id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, display_name TEXT NOT NULL, state TEXT NOT NULL)""",
    """CREATE TABLE resources (
        key TEXT PRIMARY KEY, id TEXT NOT NULL, subscription_id TEXT NOT NULL, group_key TEXT,
        type_key TEXT NOT NULL, name TEXT NOT NULL, body TEXT NOT NULL, created REAL NOT NULL)""",
    "CREATE INDEX resources_group ON resources(subscription_id, group_key, type_key)",
    "CREATE INDEX resources_type ON resources(subscription_id, type_key)",
    """CREATE TABLE role_assignments (
        name TEXT PRIMARY KEY, scope TEXT NOT NULL, scope_key TEXT NOT NULL, role_definition_id TEXT NOT NULL,
        role_guid TEXT NOT NULL, principal_id TEXT NOT NULL, principal_type TEXT,
        condition TEXT, condition_version TEXT, description TEXT,
        created_on REAL NOT NULL, updated_on REAL NOT NULL, created_by TEXT, effective_from REAL NOT NULL)""",
    "CREATE INDEX role_assignments_principal ON role_assignments(principal_id, scope_key)",
    "CREATE INDEX role_assignments_scope ON role_assignments(scope_key)",
    """CREATE UNIQUE INDEX role_assignments_unique
        ON role_assignments(scope_key, role_guid, principal_id, IFNULL(condition, ''))""",
    """CREATE TABLE operations (
        id TEXT PRIMARY KEY, status TEXT NOT NULL, resource_id TEXT NOT NULL, start REAL NOT NULL,
        end REAL, error TEXT)""",
    """CREATE TABLE decisions (
        seq INTEGER PRIMARY KEY AUTOINCREMENT, at REAL NOT NULL, surface TEXT NOT NULL,
        principal_id TEXT, action TEXT, scope TEXT, allowed INTEGER NOT NULL, reason TEXT NOT NULL,
        evidence TEXT NOT NULL)""",
    "CREATE INDEX decisions_principal ON decisions(principal_id, seq)",
]

REGISTRY: list[str] = [
    """CREATE TABLE blobs (digest TEXT PRIMARY KEY, size INTEGER NOT NULL, created REAL NOT NULL)""",
    """CREATE TABLE repositories (
        registry TEXT NOT NULL, name TEXT NOT NULL, created REAL NOT NULL, updated REAL NOT NULL,
        PRIMARY KEY (registry, name))""",
    """CREATE TABLE repository_blobs (
        registry TEXT NOT NULL, repository TEXT NOT NULL, digest TEXT NOT NULL REFERENCES blobs(digest),
        PRIMARY KEY (registry, repository, digest))""",
    "CREATE INDEX repository_blobs_digest ON repository_blobs(digest)",
    """CREATE TABLE manifests (
        registry TEXT NOT NULL, repository TEXT NOT NULL, digest TEXT NOT NULL, media_type TEXT NOT NULL,
        size INTEGER NOT NULL, artifact_type TEXT, subject TEXT, created REAL NOT NULL,
        PRIMARY KEY (registry, repository, digest))""",
    "CREATE INDEX manifests_subject ON manifests(registry, repository, subject)",
    """CREATE TABLE manifest_references (
        registry TEXT NOT NULL, repository TEXT NOT NULL, manifest TEXT NOT NULL, child TEXT NOT NULL,
        kind TEXT NOT NULL, PRIMARY KEY (registry, repository, manifest, child))""",
    "CREATE INDEX manifest_references_child ON manifest_references(registry, repository, child)",
    """CREATE TABLE tags (
        registry TEXT NOT NULL, repository TEXT NOT NULL, name TEXT NOT NULL, digest TEXT NOT NULL,
        created REAL NOT NULL, updated REAL NOT NULL, PRIMARY KEY (registry, repository, name))""",
    """CREATE TABLE uploads (
        id TEXT PRIMARY KEY, registry TEXT NOT NULL, repository TEXT NOT NULL, committed INTEGER NOT NULL,
        started REAL NOT NULL, updated REAL NOT NULL)""",
]

KUBE: list[str] = [
    """CREATE TABLE kube_objects (
        cluster TEXT NOT NULL, resource TEXT NOT NULL, namespace TEXT NOT NULL, name TEXT NOT NULL,
        rv INTEGER NOT NULL, body TEXT NOT NULL, PRIMARY KEY (cluster, resource, namespace, name))""",
    """CREATE TABLE kube_clusters (cluster TEXT PRIMARY KEY, rv INTEGER NOT NULL)""",
]

PULLS: list[str] = [
    """CREATE TABLE pull_attempts (
        seq INTEGER PRIMARY KEY AUTOINCREMENT, cluster TEXT NOT NULL, node TEXT NOT NULL, namespace TEXT NOT NULL,
        pod TEXT NOT NULL, pod_uid TEXT NOT NULL, container TEXT NOT NULL, image TEXT NOT NULL, at REAL NOT NULL,
        ok INTEGER NOT NULL, message TEXT NOT NULL, attempts TEXT NOT NULL)""",
    "CREATE INDEX pull_attempts_pod ON pull_attempts(cluster, namespace, pod, seq)",
]

CORRELATION: list[str] = [
    "ALTER TABLE decisions ADD COLUMN correlation TEXT",
    "CREATE INDEX decisions_correlation ON decisions(correlation)",
]

MIGRATIONS: list[tuple[str, list[str]]] = [
    ("0001_initial", INITIAL),
    ("0002_registry", REGISTRY),
    ("0003_kube", KUBE),
    ("0004_pull_attempts", PULLS),
    ("0005_decision_correlation", CORRELATION),
]
