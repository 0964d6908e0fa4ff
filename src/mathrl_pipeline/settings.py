"""Project settings. There is no need to edit this file unless you want to change values
from the Kedro defaults. For further information, including these default values, see
https://docs.kedro.org/en/stable/kedro_project_setup/settings.html."""

from omegaconf.resolvers import oc

from mathrl_pipeline.config_loader import ProjectConfigLoader
from mathrl_pipeline.hooks import InterruptMessage, ParameterCheck, ProjectMlflowHook

# OmegaConfigLoader, plus `_extends` between parameter blocks (config_loader.py)
CONFIG_LOADER_CLASS = ProjectConfigLoader
CONFIG_LOADER_ARGS = {
    "base_env": "base",
    "default_run_env": "local",
    # environment variables in any configuration file (mlflow.yml reads MLFLOW_TRACKING_URI)
    "custom_resolvers": {"oc.env": oc.env},
    # an environment (conf/gpu) overrides single parameter keys instead of whole sections
    "merge_strategy": {"parameters": "soft"},
    # kedro-mlflow's configuration file
    "config_patterns": {"mlflow": ["mlflow*", "mlflow*/**", "**/mlflow*"]},
}

# kedro-mlflow's hook is registered here, as a subclass that logs typed parameters flat
# (hooks.py), instead of through its plugin entry point.
DISABLE_HOOKS_FOR_PLUGINS = ("kedro-mlflow", "kedro_mlflow")
HOOKS = (ProjectMlflowHook(), ParameterCheck(), InterruptMessage())
