"""``pullproof image load REF FILE``: an image from a file into a registry of the data dir, offline."""

from __future__ import annotations

from pathlib import Path

import typer

from pullproof.app import Emulator
from pullproof.cli.context import DataDir, open_emulator
from pullproof.kube.node.images import parse_image
from pullproof.registry.loader import ImageLoadError, read_image, store_image

EXIT_BAD_INPUT = 2
image_app = typer.Typer(no_args_is_help=True, help="Images in the emulated registries.")


def _target(emulator: Emulator, ref: str) -> tuple[str, str, str]:
    """(registry, repository, tag) for a reference, as containerd normalises it (``nginx`` is
    ``docker.io/library/nginx:latest``)."""
    image = parse_image(ref)
    if image is None or image.digest:
        raise ImageLoadError(f"invalid reference '{ref}' (a name with an optional tag)")
    profile = emulator.public.profile(image.host)
    acr = emulator.lookup.find(image.host)
    if profile is None and acr is None:
        raise ImageLoadError(f"no registry '{image.host}' here (a public registry, or an ACR registry that exists)")
    return (profile.host if profile else str(acr.login_server if acr else "")), image.repository, image.tag or "latest"


@image_app.command("load")
def load_command(ref: str = typer.Argument(..., help="Where to store it: mcr.microsoft.com/x:v1, nginx:1.27, "
                                           "myacr.azurecr.io/app:v1."),
                 file: Path = typer.Argument(..., help="An OCI image layout (directory or tar) or a docker save tar."),
                 data_dir: Path | None = DataDir) -> None:
    """Store an image under REF; prints its digest."""
    try:
        image = read_image(file)
    except ImageLoadError as exc:
        typer.echo(f"pullproof: cannot load {file}: {exc}", err=True)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    emulator = open_emulator(data_dir, must_exist=False)
    try:
        registry, repository, tag = _target(emulator, ref)
        store_image(image, registry, repository, tag, emulator.content, emulator.registry_store, emulator.clock)
    except ImageLoadError as exc:
        typer.echo(f"pullproof: cannot load {file}: {exc}", err=True)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    finally:
        emulator.close()
    typer.echo(f"loaded {registry}/{repository}:{tag}@{image.digest}")
