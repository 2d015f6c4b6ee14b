# Source me: the environment every local flexlake command runs Airflow with (demo, up, tests).
# Everything lives under the repository (data/), so nothing touches ~/airflow or the system temp dir.
_flexlake_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export FLEXLAKE_DATA_DIR=${FLEXLAKE_DATA_DIR:-$_flexlake_root/data}
export AIRFLOW_HOME=${AIRFLOW_HOME:-$FLEXLAKE_DATA_DIR/airflow_home}
export AIRFLOW__CORE__DAGS_FOLDER=$_flexlake_root/dags
export AIRFLOW__CORE__PLUGINS_FOLDER=$_flexlake_root/plugins
export AIRFLOW__CORE__LOAD_EXAMPLES=False
export AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION=${AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION:-True}
export AIRFLOW__COSMOS__CACHE_DIR=$FLEXLAKE_DATA_DIR/cosmos_cache
export AIRFLOW__COSMOS__ENABLE_TELEMETRY=False
export AIRFLOW__COSMOS__PROPAGATE_LOGS=False
export DBT_SEND_ANONYMOUS_USAGE_STATS=False
export DO_NOT_TRACK=1
export AIRBYTE_OFFLINE_MODE=1
export PATH=$_flexlake_root/.venv/bin:$PATH
unset _flexlake_root
