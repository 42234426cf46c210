"""`StrandsProject`: the native synth of one environment, declared inside a cdktn stack."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

try:
    import cdktn
    from constructs import Construct
except ImportError as exc:  # pragma: no cover - depends on the optional extra
    from strands_tf.errors import DependencyError

    raise DependencyError(
        "strands_tf.cdk needs CDK Terrain (cdktn)",
        hint="pip install 'strands-tf[cdk]' (and Node.js >= 22 on PATH for jsii)",
    ) from exc

from strands_tf import __version__
from strands_tf.config import load_project, resolve
from strands_tf.errors import UserError
from strands_tf.generators import cdktf
from strands_tf.generators.stacks import partition
from strands_tf.generators.synth import infra_graph, modules_root, package_agents

# inputs of strands-agent that name a local zip: they become asset paths in the cdktn stack
_FILE_INPUTS = ("filename", "layer_filename")


class StrandsProject(Construct):
    """The resources `strands synth -e ENV` declares for a project, as constructs of the enclosing stack.

    Terraform addresses are the native ones (`module.agent_<name>`, `data.<type>.<id>`, outputs by name), so a
    stack can move between `strands` and cdktn without state moves, and other constructs can reference them
    (`${module.agent_support.function_arn}`). Needs `stacks: single`: a cdktn stack is one state.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        project_dir: str | Path,
        environment: str | None = None,
        package: bool = True,
        tool_version: str = __version__,
    ) -> None:
        super().__init__(scope, id)
        loaded = load_project(Path(project_dir))
        resolved = resolve(loaded, environment)
        if resolved.stacks != "single":
            raise UserError(
                f"{loaded.root}: a cdktn stack holds one Terraform state; this project uses stacks: per_agent",
                hint="set stacks: single for the environment you add to a cdktn stack",
            )
        self.environment = resolved.environment.name
        from strands_tf.deploy.workspace import Workspace

        # the zips stay where cdktn copies them from at synth time (its assets), next to the project's other
        # working files
        self._assets_dir = Workspace(loaded.root).cdk_assets_dir(self.environment)
        code = package_agents(resolved, loaded, self._assets_dir) if package else {}
        graph = infra_graph(loaded, resolved, code, tool_version=tool_version)
        (stack,) = partition(graph, "single")
        doc = cdktf.render_stack(cdktf.RenderContext(resolved, tool_version), stack)
        #: the aws provider strands would configure (region, account guard, role, default tags): pass it to
        #: `AwsProvider(stack, "aws", **project.provider_settings)` or merge it into your own
        self.provider_settings: dict[str, Any] = _provider_kwargs(doc["provider"]["aws"][0])
        self._module_assets: dict[str, Any] = {}
        self.modules: dict[str, cdktn.TerraformHclModule] = {}
        for module_id, body in doc.get("module", {}).items():
            self.modules[module_id] = self._module(module_id, body)
        for tf_type, items in doc.get("data", {}).items():
            for data_id, body in items.items():
                data = cdktn.TerraformDataSource(self, data_id, terraform_resource_type=tf_type)
                data.override_logical_id(data_id)
                for key, value in body.items():
                    if key != "//":
                        data.add_override(key, value)
        for output_id, body in doc.get("output", {}).items():
            cdktn.TerraformOutput(
                self,
                output_id,
                value=body["value"],
                description=body.get("description"),
                sensitive=body.get("sensitive"),
                static_id=True,
            )

    def _module(self, module_id: str, body: dict[str, Any]) -> cdktn.TerraformHclModule:
        name = str(body["source"]).removeprefix("./modules/")
        asset = self._module_assets.get(name)
        if asset is None:
            # the module goes into the stack's assets as strands vendors it (without its README): the stack
            # needs nothing outside it
            vendored = self._assets_dir / "modules" / name
            shutil.rmtree(vendored, ignore_errors=True)
            shutil.copytree(modules_root() / name, vendored, ignore=shutil.ignore_patterns("README.md"))
            asset = cdktn.TerraformAsset(self, f"module_{name}", path=str(vendored), type=cdktn.AssetType.DIRECTORY)
            self._module_assets[name] = asset
        variables = {k: v for k, v in body.items() if k not in ("//", "source", "depends_on")}
        for key in _FILE_INPUTS:
            if key in variables:
                zip_path = self._assets_dir / Path(str(variables[key])).name
                zip_asset = cdktn.TerraformAsset(
                    self, f"{module_id}_{key}", path=str(zip_path), type=cdktn.AssetType.FILE
                )
                variables[key] = zip_asset.path
        module = cdktn.TerraformHclModule(
            self,
            module_id,
            source=f"./{asset.path}",
            variables=variables,
            skip_asset_creation_from_local_modules=True,
        )
        module.override_logical_id(module_id)
        if body.get("depends_on"):
            module.add_override("depends_on", list(body["depends_on"]))
        return module


def _provider_kwargs(provider: dict[str, Any]) -> dict[str, Any]:
    """The provider block as keyword arguments of cdktn-provider-aws's AwsProvider (blocks as lists of dicts)."""
    return {key: value for key, value in provider.items() if key != "//"}
