"""Finding the inputs: Bicep entries (a module is not an entry), ARM JSON templates, manifests, and
what workflows say (images, kubectl apply, the target cluster, --attach-acr); and docs/lint.md."""

from __future__ import annotations

from pathlib import Path

from pullproof.lint.inputs import load_inputs
from pullproof.lint.rules import rules_markdown
from pullproof.lint.workflows import load_workflow
from tests.lint.support import FIXTURES, GUESTBOOK, ROOT, write

WORKFLOW = """name: deploy
on: push
env:
  ACR_NAME: acrwizdev
  CLUSTER: aks-wiz-dev
jobs:
  app:
    runs-on: ubuntu-latest
    env:
      TAG: v7
    steps:
      - run: docker push ${{ env.ACR_NAME }}.azurecr.io/web:$TAG
      - uses: azure/aks-set-context@v4
        with:
          cluster-name: ${{ env.CLUSTER }}
          resource-group: rg
      - run: |
          kubectl apply -f k8s/ --namespace web
          az aks update --name ${{ env.CLUSTER }} -g rg --attach-acr $ACR_NAME
      - uses: azure/k8s-deploy@v5
        with:
          manifests: |
            extra/app.yaml
"""


def test_a_module_is_not_an_entry() -> None:
    inputs = load_inputs([FIXTURES / "infra"])
    assert [t.path.name for t in inputs.templates] == ["main.bicep"]
    assert inputs.templates[0].scope == "subscription"
    assert sorted(p.name for p in inputs.templates[0].sources.files) == [
        "acr.bicep", "aks-acr-role.bicep", "aks.bicep", "main.bicep"]
    alone = load_inputs([FIXTURES / "infra" / "modules" / "acr.bicep"])
    assert [t.scope for t in alone.templates] == ["group"]


def test_directories_give_manifests_and_workflows() -> None:
    inputs = load_inputs([GUESTBOOK])
    assert [(d.kind, d.name, d.line) for d in inputs.manifests] == [("Deployment", "guestbook-app", 2)]
    assert [w.path.name for w in inputs.workflows] == ["app-deploy.yml"]
    flow = inputs.workflows[0]
    assert flow.clusters == ["aks-wiz-dev"]
    assert flow.applies == [GUESTBOOK.resolve() / "k8s" / "deployment.yaml"]
    assert [(a, r) for a, r, _, _ in flow.images] == [("acrwizdev", "guestbook"), ("acrwizdev", "guestbook")]
    assert flow.concrete_images() == []  # the tag is ${{ github.sha }}


def test_workflow_env_actions_and_attach(tmp_path: Path) -> None:
    path = write(tmp_path, {".github/workflows/deploy.yml": WORKFLOW}) / ".github" / "workflows" / "deploy.yml"
    flow = load_workflow(path)
    assert flow.concrete_images() == ["acrwizdev.azurecr.io/web:v7"]
    assert flow.clusters == ["aks-wiz-dev"]
    assert [(a.cluster, a.acr) for a in flow.attaches] == [("aks-wiz-dev", "acrwizdev")]
    assert flow.applies == [tmp_path.resolve() / "k8s/", tmp_path.resolve() / "extra/app.yaml"]


def test_hidden_and_vendored_directories_are_skipped(tmp_path: Path) -> None:
    write(tmp_path, {".cache/x.yaml": "apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n",
                     "node_modules/y.yaml": "apiVersion: v1\nkind: Pod\nmetadata:\n  name: b\n",
                     "k8s/z.yaml": "apiVersion: v1\nkind: Pod\nmetadata:\n  name: c\n",
                     "package.json": '{"name": "not a template"}',
                     "azuredeploy.parameters.json": '{"$schema": "https://schema.management.azure.com/schemas/'
                                                    '2019-04-01/deploymentParameters.json#"}'})
    inputs = load_inputs([tmp_path])
    assert [d.name for d in inputs.manifests] == ["c"]
    assert inputs.templates == []


def test_docs_list_every_rule() -> None:
    text = (ROOT / "docs" / "lint.md").read_text("utf-8")
    assert rules_markdown() in text, "docs/lint.md: paste pullproof.lint.rules.rules_markdown() into the rules table"
