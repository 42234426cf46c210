"""Entry point Terraform runs (through the mirror's launcher): ``python -m strands_tf.emulator.provider``."""

from __future__ import annotations

import logging
import sys


def main() -> int:
    """Load the schema and serve the provider over go-plugin/tfplugin6."""
    # go-plugin forwards stderr to Terraform's log (visible with TF_LOG=debug)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
    from strands_tf.emulator.provider.plugin import serve, serve_reattach
    from strands_tf.emulator.provider.schema import SchemaFileError, load_schema

    try:
        schema = load_schema()
    except SchemaFileError as exc:
        sys.stderr.write(f"strands-tf emulator provider: {exc}\n")
        return 1
    if "--reattach" in sys.argv[1:]:
        return serve_reattach(schema)
    return serve(schema)


if __name__ == "__main__":
    sys.exit(main())
