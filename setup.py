"""What the wheel holds (the rest of the metadata is in pyproject.toml): the gateway, the wire
contract, and the firmware hallctl flashes. The firmware stays at the top of the checkout, in
firmware/, where developers edit it; the wheel carries it as gateway/provision/firmware/
(gateway.provision.firmware_dir finds either). hil/, bench/ and tests/ are the checkout's own and
stay out. pyproject.toml cannot add a mapped folder to the packages it finds, hence this file."""
from setuptools import find_namespace_packages, setup

setup(
    # Namespace packages too: the pages' static/ folders (their files: pyproject.toml package-data).
    packages=[*find_namespace_packages(include=["gateway", "gateway.*", "protocols", "protocols.*"],
                                       exclude=["*.__pycache__"]),
              "gateway.provision.firmware"],
    package_dir={"gateway.provision.firmware": "firmware"},
)
