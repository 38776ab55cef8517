"""The ARM deployments API (``Microsoft.Resources/deployments``): validate, create, what-if, read and
delete deployments at resource-group and subscription scope. It runs templates with the engine of
``pullproof.iac`` through ARM, implementing the engine's ``Backend`` port (``backend.py``)."""
