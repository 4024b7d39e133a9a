"""`glocal scrapyd`: deploy the project to Scrapyd nodes and run spiders there (docs/scale-out.md)."""

from __future__ import annotations

import click

from cli.common import checked_wait
from kit.errors import GlocalError


@click.group(name="scrapyd")
def scrapyd_group():
    """Deploy the spiders to a Scrapyd node and crawl there

    Example:

    \b
        glocal scrapyd deploy http://crawler-2:6800
        glocal scrapyd crawl http://crawler-2:6800 c40_accelerators --set STORE_DB_PATH=/srv/glocal/glocal.db
    """


@scrapyd_group.command(name="deploy")
@click.argument("url")
@click.option("--project", default="glocal", show_default=True, help="The Scrapyd project name.")
@click.option("--version", "version", help="The version to deploy as (default: the package version and the time).")
def deploy_command(url, project, version):
    """Build the project's egg and upload it to the Scrapyd at URL

    Example:

    \b
        glocal scrapyd deploy http://127.0.0.1:6800
    """
    import time

    from kit import __version__

    from operations import scrapyd

    version = version or f"{__version__}-{int(time.time())}"
    answer = scrapyd.deploy(url, project=project, version=version, egg=scrapyd.build_egg(version))
    click.echo(f"deployed {project} {version} to {url}: {answer.get('spiders')} spiders")


@scrapyd_group.command(name="crawl")
@click.argument("url")
@click.argument("spider")
@click.option("--project", default="glocal", show_default=True)
@click.option("--set", "assignments", multiple=True, metavar="NAME=VALUE",
              help="A setting for the job (repeatable), e.g. STORE_DB_PATH=/srv/glocal/glocal.db.")
@click.option("--wait", type=float, default=0, help="Seconds to wait for the job to finish (0: do not wait).")
def crawl_command(url, spider, project, assignments, wait):
    """Run SPIDER as a job on the Scrapyd at URL, through the same pipeline and store code

    Example:

    \b
        glocal scrapyd crawl http://127.0.0.1:6800 c40_accelerators --set STORE_DB_PATH=/srv/glocal/glocal.db --wait 600
    """
    from operations import scrapyd

    wait = checked_wait(wait)
    settings = {}
    for assignment in assignments:
        name, sign, value = assignment.partition("=")
        if not sign or not name:
            raise click.BadParameter(f"{assignment!r} is not NAME=VALUE", param_hint="--set")
        settings[name] = value
    job = scrapyd.schedule(url, project=project, spider=spider, settings=settings)
    click.echo(f"{spider}: job {job} scheduled on {url}")
    if wait:
        state = scrapyd.wait_for(url, project=project, job=job, timeout=wait)
        if state != "finished":
            raise GlocalError(f"job {job} is still {state} after {wait:g}s")
        click.echo(f"{spider}: job {job} finished (its run and health are in the store's crawl_runs)")
