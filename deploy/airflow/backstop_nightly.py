"""Backstop's nightly as an Airflow DAG: one mapped task per partition of the catalog's shops
(`backstop nightly --shop all --partition K/N`, K = 1 … N), then the fleet report from the runs they recorded.

Copy this file into the DAGs folder of an Airflow 3 deployment whose workers have `backstop` (or set
BACKSTOP_BIN). Configuration, from the worker's environment:

    BACKSTOP_BIN            the backstop executable (default: `backstop` on PATH)
    BACKSTOP_PARTITIONS     N, the number of partitions (default 4)
    BACKSTOP_NIGHTLY_ARGS   extra arguments for every partition (split like a shell would), e.g. --max-seconds
    BACKSTOP_SCHEDULE       the cron schedule (default "30 2 * * *", 02:30 UTC: after the Bitrix dump)

and everything backstop itself reads (BACKSTOP_CATALOG, BACKSTOP_CONFIG, BACKSTOP_DUMP, BACKSTOP_REPORT_DIR,
…; README.md § Configuration). To run the container image instead, see README.md § Running it every night
(KubernetesPodOperator with `backstop-job`).

Exit codes are the task's success criteria: 0 (clean), 2 (discrepancies found) and 3 (partial input) mean
the job worked: the task succeeds and returns the verdict. 4 (apply refused), 64 (bad usage), 75 (another
run holds a shop's lock) and 124 (--max-seconds reached) fail the task without a retry; any other code
(1 error, 128+n stopped by a signal) fails it and Airflow retries it. The
fleet report runs when every partition has finished, failed or not (its page shows what each recorded), and
the last task, `verdict`, fails the DAG run if any partition failed.
"""

from __future__ import annotations

import logging
import os
import shlex
import subprocess
from datetime import timedelta

import pendulum
from airflow.sdk.exceptions import AirflowException, AirflowFailException
from airflow.sdk import dag, get_current_context, task

log = logging.getLogger(__name__)

PARTITIONS = int(os.environ.get("BACKSTOP_PARTITIONS", "4"))

#: What each exit code of `backstop` means to the task: (succeeds, retry if it fails, what it means).
EXIT_CODES = {
    0: (True, False, "clean"),
    2: (True, False, "discrepancies found"),
    3: (True, False, "partial input"),
    4: (False, False, "apply refused"),
    64: (False, False, "bad usage"),
    75: (False, False, "another run holds the lock"),
    124: (False, False, "--max-seconds reached"),
}


def backstop(*arguments: str) -> dict:
    """Runs `backstop ARGUMENTS…`, its output into the task log, and applies the exit-code contract."""
    argv = [os.environ.get("BACKSTOP_BIN", "backstop"), *arguments]
    log.info("running %s", shlex.join(argv))
    with subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          errors="replace") as process:
        assert process.stdout is not None
        for line in process.stdout:
            log.info("%s", line.rstrip("\n"))
        status = process.wait()
    succeeded, retry, meaning = EXIT_CODES.get(status, (False, True, "error"))
    if status < 0:
        meaning = f"killed by signal {-status}"
    message = f"backstop {arguments[0]}: exit code {status} ({meaning})"
    if succeeded:
        log.info("%s", message)
        return {"command": shlex.join(argv), "exit_code": status, "verdict": meaning}
    if retry:
        raise AirflowException(message)
    raise AirflowFailException(message)


@dag(
    dag_id="backstop_nightly",
    schedule=os.environ.get("BACKSTOP_SCHEDULE", "30 2 * * *"),
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 1, "retry_delay": timedelta(minutes=5)},
    tags=["backstop"],
    doc_md=__doc__,
)
def backstop_nightly():
    @task(execution_timeout=timedelta(hours=3, minutes=30))
    def reconcile(partition: int) -> dict:
        """One partition: the K-th of N shares of the catalog's shops (K from 1)."""
        extra = shlex.split(os.environ.get("BACKSTOP_NIGHTLY_ARGS", ""))
        result = backstop("nightly", "--shop", "all", "--partition", f"{partition}/{PARTITIONS}",
                          "--log-format", "json", *extra)
        return {"partition": partition, **result}

    @task(trigger_rule="all_done", retries=2)
    def fleet_report() -> dict:
        """The fleet page (<report dir>/fleet/index.html) from the runs the partitions recorded since this DAG
        run started."""
        started = get_current_context()["dag_run"].start_date
        since = pendulum.instance(started).in_timezone("UTC").strftime("%Y-%m-%dT%H:%M:%SZ")
        return backstop("fleet", "--since", since)

    @task
    def verdict(results: list[dict], fleet: dict) -> str:
        """Fails the run (upstream_failed) when a partition failed; otherwise the night's verdict."""
        results = list(results)
        found = sorted({r["verdict"] for r in results})
        summary = f"{len(results)} partitions: {', '.join(found)}; fleet report: {fleet['verdict']}"
        log.info("%s", summary)
        return summary

    results = reconcile.expand(partition=list(range(1, PARTITIONS + 1)))
    fleet = fleet_report()
    results >> fleet
    verdict(results, fleet)


backstop_nightly()
