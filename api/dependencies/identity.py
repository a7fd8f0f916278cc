"""Accounts, groups and aliases: their use cases, and the directory read model."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Engine

from api.dependencies import composed
from domain.identity.aliases_service import AliasesService
from domain.identity.groups_service import GroupsService
from domain.identity.storage_service import UserStorageService
from domain.identity.users_service import UsersService


def users_service(request: Request) -> UsersService:
    return composed(request).users


def groups_service(request: Request) -> GroupsService:
    return composed(request).groups


def aliases_service(request: Request) -> AliasesService:
    return composed(request).aliases


def user_storage_service(request: Request) -> UserStorageService:
    return composed(request).storage


class DirectoryView:
    """The directory read model (projections/directory.py). `fresh()` waits until it
    has applied every event stored before the call, so a reply shows the change just made."""

    def __init__(self, request: Request) -> None:
        self._system = composed(request)

    @property
    def server_name(self) -> str:
        name: str = self._system.config.server_name
        return name

    def source(self) -> str:
        """Whose accounts are listed: 'registry' or 'ldap'."""
        source: str = self._system.users.source()
        return source

    def fresh(self) -> Engine:
        self._system.fresh("directory")
        engine: Engine = self._system.sql_engine
        return engine


Users = Annotated[UsersService, Depends(users_service)]
Groups = Annotated[GroupsService, Depends(groups_service)]
Aliases = Annotated[AliasesService, Depends(aliases_service)]
UserStorage = Annotated[UserStorageService, Depends(user_storage_service)]
DirectoryQuery = Annotated[DirectoryView, Depends(DirectoryView)]
