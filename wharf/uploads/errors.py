"""The one way an upload is refused; its message is written for the person uploading."""


class UploadRefused(Exception):
    """An upload the index will not take. `message` is what to tell the uploader; `str()` of
    the refusal is what the HTTP layer answers 400 with, in the body and as the reason phrase
    (twine prints that), so it is one line of printable ASCII: whatever the message quotes of
    the uploader's own text is escaped there, as Python does (\\n, \\xe9, \\u212a)."""

    def __init__(self, message: str):
        super().__init__("".join(char if " " <= char <= "~" else ascii(char)[1:-1]
                                 for char in message))
        self.message = message


class FileExists(UploadRefused):
    """A file name is taken once, forever: by the view's check before the file is streamed,
    or by the name's Claim when another upload of it was recorded meanwhile."""

    def __init__(self):
        super().__init__("File already exists. A file name can be used only once, even after"
                         " its file is removed.")
