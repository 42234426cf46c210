"""`strands canvas`: the visual builder in the browser (or a Chromium app window)."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from pathlib import Path

import click
from rich.markup import escape

from strands_tf.cli.context import AppContext, app_context
from strands_tf.cli.render import make_console

_APP_BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")


def _app_browser() -> str | None:
    for name in _APP_BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    mac = Path("/Applications/Google Chrome.app/Contents/MacOS/Google Chrome")
    return str(mac) if mac.is_file() else None


def _check_environment(app: AppContext) -> None:
    """-e names an environment of the project, as for every other command (a typo never shows another one);
    a project that does not load is opened anyway: the canvas is where its problems get fixed."""
    from strands_tf.config.resolve import choose_environment
    from strands_tf.errors import ConfigError

    try:
        loaded = app.load()
    except ConfigError:
        return
    choose_environment(loaded.config, app.environment)


@click.command()
@click.option("--port", type=click.IntRange(0, 65535), default=0, help="Port on 127.0.0.1 (default: a free one).")
@click.option("--no-browser", is_flag=True, help="Only print the URL.")
@click.option("--app", "app_window", is_flag=True, help="Open a desktop window (Chromium/Chrome --app mode).")
@click.pass_context
def canvas(ctx: click.Context, port: int, no_browser: bool, app_window: bool) -> None:
    """Open the canvas: agents and resources as a graph that edits strands.yaml and previews plans.

    The server listens on 127.0.0.1 only; the printed URL carries a random token that every request
    needs. Edits are written to strands.yaml (comments and formatting kept); node positions go to
    .strands/canvas.json. -e ENV picks the environment shown and planned (default as for plan).
    Stop it with Ctrl-C.

    \b
    Examples:
      strands canvas
      strands canvas -e dev --port 8765 --no-browser
      strands canvas --app
    """
    from strands_tf.canvas.app import CanvasSettings
    from strands_tf.canvas.server import CanvasServer, require_front_end

    app = app_context(ctx)
    require_front_end()
    root = Path(app.directory).resolve()
    if not root.is_dir():
        from strands_tf.errors import UserError

        raise UserError(f"{root} is not a directory", hint="check the -C DIR value")
    if app.environment is not None:
        _check_environment(app)
    settings = CanvasSettings(root=root, environment=app.environment)
    server = CanvasServer.create(settings, port)
    console = make_console(stderr=True)
    console.print(f"[bold]strands canvas[/] for {escape(str(root))}")
    console.print(f"  open [link={server.url}]{escape(server.url)}[/link]")
    console.print("  the URL's token is the key to this server: do not share it. Ctrl-C stops.")
    if app_window:
        browser = _app_browser()
        if browser is None:
            console.print("[yellow]no Chromium or Chrome found for --app; opening the default browser[/]")
        else:
            profile = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "strands-tf" / "canvas-app"
            subprocess.Popen(
                [browser, f"--app={server.url}", f"--user-data-dir={profile}", "--no-first-run"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
            no_browser = True
    if not no_browser:
        import webbrowser

        webbrowser.open(server.url)
    with contextlib.suppress(KeyboardInterrupt):
        server.run()
    console.print("canvas stopped")
