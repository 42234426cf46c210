"""A CDK Terrain construct that adds a strands.yaml project to a cdktn stack (optional extra `strands-tf[cdk]`).

```python
from cdktn import App, TerraformStack
from cdktn_provider_aws.provider import AwsProvider
from strands_tf.cdk import StrandsProject

app = App()
stack = TerraformStack(app, "platform")
project = StrandsProject(stack, "agents", project_dir="services/agents", environment="prod")
AwsProvider(stack, "aws", **project.provider_settings)      # or your own provider
app.synth()
```

The construct declares exactly what `strands synth` writes for the environment (the same module calls with the
same inputs, data sources and outputs, under the same Terraform addresses), on the same HCL modules, copied
into the stack as assets together with the agent zips. The stack keeps its own provider and backend.
Importing this module needs `cdktn` (and Node.js >= 22, which jsii starts).
"""

from __future__ import annotations

from strands_tf.cdk.construct import StrandsProject

__all__ = ["StrandsProject"]
