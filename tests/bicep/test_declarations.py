"""Declarations: parameters and decorators, loops, conditions, existing/parent/scope, modules, dependsOn."""

from __future__ import annotations

from tests.bicep.conftest import Build

SA = "Microsoft.Storage/storageAccounts"


def test_parameter_types_and_decorators(build: Build) -> None:
    text = """
@secure()
param password string
@secure()
param settings object
@description('Node count')
@minValue(1)
@maxValue(5)
param count int = 2
@allowed([
  'Basic'
  'Standard'
])
@metadata({ owner: 'team', description: 'overridden' })
@description('SKU')
param sku string = 'Basic'
@minLength(3)
@maxLength(24)
param name string
param flag bool = !false
param tags object = { env: 'dev' }
param zones array = [1, 2]
param location string = resourceGroup().location
param stamp string = utcNow('yyyyMMdd')
param id string = newGuid()
"""
    p = build(text)["parameters"]
    assert p["password"] == {"type": "securestring"}
    assert p["settings"] == {"type": "secureObject"}
    assert p["count"] == {"type": "int", "defaultValue": 2, "metadata": {"description": "Node count"},
                          "minValue": 1, "maxValue": 5}
    assert p["sku"] == {"type": "string", "defaultValue": "Basic", "allowedValues": ["Basic", "Standard"],
                        "metadata": {"owner": "team", "description": "SKU"}}
    assert p["name"] == {"type": "string", "minLength": 3, "maxLength": 24}
    assert p["flag"] == {"type": "bool", "defaultValue": "[not(false())]"}
    assert p["tags"] == {"type": "object", "defaultValue": {"env": "dev"}}
    assert p["zones"] == {"type": "array", "defaultValue": [1, 2]}
    assert p["location"]["defaultValue"] == "[resourceGroup().location]"
    assert p["stamp"]["defaultValue"] == "[utcNow('yyyyMMdd')]"
    assert p["id"]["defaultValue"] == "[newGuid()]"


def test_target_scopes_pick_the_schema(build: Build) -> None:
    base = "https://schema.management.azure.com/schemas/"
    for scope, schema in [
        ("resourceGroup", "2019-04-01/deploymentTemplate.json#"),
        ("subscription", "2018-05-01/subscriptionDeploymentTemplate.json#"),
        ("managementGroup", "2019-08-01/managementGroupDeploymentTemplate.json#"),
        ("tenant", "2019-08-01/tenantDeploymentTemplate.json#"),
    ]:
        t = build(f"targetScope = '{scope}'\n")
        assert t["$schema"] == base + schema
        assert "languageVersion" not in t
        assert t["resources"] == []


def test_resource_loop_with_index_and_filter(build: Build) -> None:
    text = f"""
param names array
@batchSize(2)
resource sa '{SA}@2023-01-01' = [for (n, i) in names: if (i > 0) {{
  name: '${{n}}${{i}}'
  location: 'westeurope'
}}]
output ids array = [for (n, i) in names: sa[i].id]
"""
    t = build(text)
    r = t["resources"][0]
    assert r["copy"] == {"name": "sa", "count": "[length(parameters('names'))]", "mode": "serial", "batchSize": 2}
    assert r["condition"] == "[greater(copyIndex(), 0)]"
    assert r["name"] == "[format('{0}{1}', parameters('names')[copyIndex()], copyIndex())]"
    assert list(r) == ["copy", "condition", "type", "apiVersion", "name", "location"]
    assert t["outputs"]["ids"] == {
        "type": "array",
        "copy": {
            "count": "[length(parameters('names'))]",
            "input": f"[resourceId('{SA}', format('{{0}}{{1}}', parameters('names')[copyIndex()], copyIndex()))]",
        },
    }


def test_property_and_variable_loops(build: Build) -> None:
    text = """
param subnets array
var ports = [for p in range(0, 3): 8080 + p]
var names = [for (s, i) in subnets: {
  name: s.name
  index: i
}]
resource vnet 'Microsoft.Network/virtualNetworks@2023-04-01' = {
  name: 'vnet'
  properties: {
    subnets: [for s in subnets: {
      name: s.name
    }]
  }
}
"""
    t = build(text)
    assert t["variables"] == {
        "copy": [
            {"name": "ports", "count": "[length(range(0, 3))]",
             "input": "[add(8080, range(0, 3)[copyIndex('ports')])]"},
            {"name": "names", "count": "[length(parameters('subnets'))]",
             "input": {"name": "[parameters('subnets')[copyIndex('names')].name]", "index": "[copyIndex('names')]"}},
        ]
    }
    assert t["resources"][0]["properties"] == {
        "copy": [{"name": "subnets", "count": "[length(parameters('subnets'))]",
                  "input": {"name": "[parameters('subnets')[copyIndex('subnets')].name]"}}]
    }


def test_condition_existing_and_scope(build: Build) -> None:
    text = f"""
param deploy bool
resource other '{SA}@2023-01-01' existing = {{
  name: 'shared'
  scope: resourceGroup('other-rg')
}}
resource lock 'Microsoft.Authorization/locks@2020-05-01' = if (deploy) {{
  name: 'no-delete'
  scope: sa
  properties: {{
    level: 'CanNotDelete'
    notes: other.properties.primaryEndpoints.blob
  }}
}}
resource sa '{SA}@2023-01-01' existing = {{
  name: 'mine'
}}
"""
    t = build(text)
    assert len(t["resources"]) == 1
    lock = t["resources"][0]
    assert lock == {
        "condition": "[parameters('deploy')]",
        "type": "Microsoft.Authorization/locks",
        "apiVersion": "2020-05-01",
        "scope": f"[resourceId('{SA}', 'mine')]",
        "name": "no-delete",
        "properties": {
            "level": "CanNotDelete",
            "notes": "[reference(extensionResourceId(format('/subscriptions/{0}/resourceGroups/{1}', "
            f"subscription().subscriptionId, 'other-rg'), '{SA}', 'shared'), '2023-01-01').primaryEndpoints.blob]",
        },
    }


def test_parent_nested_children_and_dependencies(build: Build) -> None:
    text = f"""
resource sa '{SA}@2023-01-01' = {{
  name: 'store'
  location: 'westeurope'
  resource blob 'blobServices' = {{
    name: 'default'
    resource container 'containers' = {{
      name: 'images'
    }}
  }}
}}
resource share '{SA}/fileServices/shares@2023-01-01' = {{
  parent: files
  name: 'data'
}}
resource files '{SA}/fileServices@2023-01-01' = {{
  parent: sa
  name: 'default'
}}
output containerId string = sa::blob::container.id
"""
    t = build(text)
    by_type = {r["type"]: r for r in t["resources"]}
    assert [r["type"] for r in t["resources"]][:2] == [f"{SA}/blobServices/containers", f"{SA}/blobServices"]
    container = by_type[f"{SA}/blobServices/containers"]
    assert container["name"] == "[format('{0}/{1}/{2}', 'store', 'default', 'images')]"
    assert container["dependsOn"] == [f"[resourceId('{SA}/blobServices', 'store', 'default')]"]
    share = by_type[f"{SA}/fileServices/shares"]
    assert share["name"] == "[format('{0}/{1}/{2}', 'store', 'default', 'data')]"
    assert share["dependsOn"] == [f"[resourceId('{SA}/fileServices', 'store', 'default')]"]
    assert t["outputs"]["containerId"]["value"] == (
        f"[resourceId('{SA}/blobServices/containers', 'store', 'default', 'images')]"
    )


def test_dependencies_through_variables_existing_and_explicit(build: Build) -> None:
    text = f"""
resource a '{SA}@2023-01-01' = {{
  name: 'a'
}}
resource b '{SA}@2023-01-01' = {{
  name: 'b'
}}
resource ex '{SA}@2023-01-01' existing = {{
  name: a.name
}}
var aId = ex.id
resource c '{SA}@2023-01-01' = {{
  name: 'c'
  properties: {{
    ref: aId
  }}
  dependsOn: [
    b
  ]
}}
"""
    c = build(text)["resources"][2]
    assert c["dependsOn"] == [f"[resourceId('{SA}', 'a')]", f"[resourceId('{SA}', 'b')]"]
    assert "dependsOn" not in c["properties"]


def test_runtime_variables_are_inlined(build: Build) -> None:
    text = f"""
resource sa '{SA}@2023-01-01' = {{
  name: 'store'
}}
var endpoint = sa.properties.primaryEndpoints
var plain = sa.name
output blob string = endpoint.blob
"""
    t = build(text)
    assert t["variables"] == {"plain": "store"}
    expected = f"[reference(resourceId('{SA}', 'store'), '2023-01-01').primaryEndpoints.blob]"
    assert t["outputs"]["blob"]["value"] == expected


def test_modules_across_scopes(build: Build) -> None:
    child = "targetScope = 'subscription'\nparam n string\noutput o string = n\n"
    rg_child = "param n string = 'x'\noutput o string = n\n"
    text = """
targetScope = 'subscription'
module inRg 'rg.bicep' = [for name in ['a', 'b']: {
  name: 'dep-${name}'
  scope: resourceGroup('my-rg')
  params: {
    n: name
  }
}]
module here 'sub.bicep' = {
  name: 'here'
  params: {
    n: inRg[0].outputs.o
  }
}
"""
    t = build(text, files={"rg.bicep": rg_child, "sub.bicep": child})
    loop, here = t["resources"]
    assert loop["copy"] == {"name": "inRg", "count": "[length(createArray('a', 'b'))]"}
    assert loop["name"] == "[format('dep-{0}', createArray('a', 'b')[copyIndex()])]"
    assert loop["resourceGroup"] == "my-rg"
    assert "location" not in loop
    assert loop["properties"]["parameters"] == {"n": {"value": "[createArray('a', 'b')[copyIndex()]]"}}
    assert here["location"] == "[deployment().location]"
    rg_id = "format('/subscriptions/{0}/resourceGroups/{1}', subscription().subscriptionId, 'my-rg')"
    name = "format('dep-{0}', createArray('a', 'b')[0])"
    dep = f"extensionResourceId({rg_id}, 'Microsoft.Resources/deployments', {name})"
    assert here["properties"]["parameters"]["n"] == {"value": f"[reference({dep}, '2025-04-01').outputs.o.value]"}
    assert here["dependsOn"] == [f"[{dep}]"]
    assert here["properties"]["template"]["$schema"].endswith("subscriptionDeploymentTemplate.json#")


def test_module_parameter_loops_and_ternaries(build: Build) -> None:
    child = "param items array\nparam flag string\n"
    text = "param b bool\nmodule m 'c.bicep' = {\n  name: 'm'\n  params: {\n    items: [for i in range(0, 2): i]\n" \
           "    flag: b ? 'y' : 'n'\n  }\n}\n"
    params = build(text, files={"c.bicep": child})["resources"][0]["properties"]["parameters"]
    assert params["items"] == {"copy": [{"name": "value", "count": "[length(range(0, 2))]",
                                         "input": "[range(0, 2)[copyIndex('value')]]"}]}
    assert params["flag"] == "[if(parameters('b'), createObject('value', 'y'), createObject('value', 'n'))]"


def test_module_from_rg_to_subscription_scope(build: Build) -> None:
    child = "targetScope = 'subscription'\n"
    m = build("module s 'c.bicep' = {\n  name: 's'\n  scope: subscription()\n}\n", files={"c.bicep": child})
    r = m["resources"][0]
    assert r["subscriptionId"] == "[subscription().subscriptionId]"
    assert r["location"] == "[resourceGroup().location]"
    assert "parameters" not in r["properties"]


def test_resource_method_and_metadata_and_descriptions(build: Build) -> None:
    text = f"""
metadata info = 'demo'
resource sa '{SA}@2023-01-01' existing = {{
  name: 'store'
}}
@description('the key')
output key string = sa.listKeys().keys[0].value
"""
    t = build(text)
    assert t["metadata"]["info"] == "demo"
    assert t["outputs"]["key"] == {
        "type": "string",
        "metadata": {"description": "the key"},
        "value": f"[listKeys(resourceId('{SA}', 'store'), '2023-01-01').keys[0].value]",
    }


def test_extension_resource_at_subscription_scope(build: Build) -> None:
    text = """
targetScope = 'subscription'
param principalId string
resource ra 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(subscription().id, principalId)
  properties: {
    principalId: principalId
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'x')
  }
}
output id string = ra.id
"""
    t = build(text)
    assert t["outputs"]["id"]["value"] == (
        "[subscriptionResourceId('Microsoft.Authorization/roleAssignments', guid(subscription().id, "
        "parameters('principalId')))]"
    )


def test_safe_access_on_conditional_resources_and_modules(build: Build) -> None:
    text = f"""
param deploy bool
resource sa '{SA}@2023-01-01' = if (deploy) {{
  name: 'store'
}}
module m 'child.bicep' = if (deploy) {{
  name: 'm'
}}
output a string = sa.?properties.primaryEndpoints.blob ?? ''
output b string = sa.?id ?? ''
output c string = m.?outputs.o ?? ''
output d string = m.outputs.?o ?? ''
"""
    outputs = build(text, files={"child.bicep": "output o string = 'x'\n"})["outputs"]
    sa_ref = f"reference(resourceId('{SA}', 'store'), '2023-01-01', 'full')"
    m_ref = "reference(resourceId('Microsoft.Resources/deployments', 'm'), '2025-04-01')"
    assert outputs["a"]["value"] == (
        f"[coalesce(tryGet(if(parameters('deploy'), {sa_ref}, null()), 'properties', 'primaryEndpoints', 'blob'), '')]"
    )
    assert outputs["b"]["value"] == f"[coalesce(if(parameters('deploy'), resourceId('{SA}', 'store'), null()), '')]"
    assert outputs["c"]["value"] == (
        f"[coalesce(tryGet(if(parameters('deploy'), {m_ref}, null()), 'outputs', 'o', 'value'), '')]"
    )
    assert outputs["d"]["value"] == f"[coalesce(tryGet({m_ref}.outputs, 'o', 'value'), '')]"
