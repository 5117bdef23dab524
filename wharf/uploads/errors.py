"""The one way an upload is refused; its message is written for the person uploading."""


class UploadRefused(Exception):
    """An upload the index will not take; the HTTP layer answers 400 with `message`."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message
