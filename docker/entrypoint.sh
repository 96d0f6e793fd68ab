#!/usr/bin/env bash
# The container's entry point: one subcommand per service of compose.yaml.
#
#   web              gunicorn with docker/gunicorn.conf.py (the site)
#   scheduler        manage.py run_scheduler (the publishing scheduler: run exactly one)
#   migrate          the deploy checks, then the migrations; run once per deploy, before web
#   manage ARGS...   any manage.py command, e.g. `manage backup` or `manage createsuperuser`
#   anything else    run as given (`bash`, `python`...)
#
# exec throughout: the command becomes the container's main process, so `docker stop`'s
# SIGTERM reaches gunicorn or the scheduler themselves, which stop gracefully on it.
set -euo pipefail

cd "$(dirname "$(readlink -f "$0")")/.."
export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-site_core.settings.production}"

command="${1:-web}"
(( $# )) && shift

case "$command" in
    web)
        exec gunicorn -c docker/gunicorn.conf.py "$@" site_core.wsgi:application
        ;;
    scheduler)
        exec python manage.py run_scheduler "$@"
        ;;
    migrate)
        # A configuration Django's deploy checks warn about (no HTTPS redirect, insecure
        # cookies, a weak key) stops the deploy here, before the database is touched and
        # before any web container starts.
        python manage.py check --deploy --fail-level WARNING
        exec python manage.py migrate --noinput "$@"
        ;;
    manage)
        exec python manage.py "$@"
        ;;
    *)
        exec "$command" "$@"
        ;;
esac
