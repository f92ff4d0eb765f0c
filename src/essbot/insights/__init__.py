"""What users ask and do not get: the question log, and the `essbot insights` report built from it."""

from essbot.insights.log import LoggedQuestion, QuestionLog

__all__ = ["LoggedQuestion", "QuestionLog"]
