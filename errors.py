"""Error types shared by every folder.

`InputError` is the user's mistake (bad idea, unknown model, odd file): the CLI exits 2 and
prints its message as one line, the UI shows it in the chat, the API answers 400. Anything
else that escapes is an internal failure.
"""


class InputError(ValueError):
    """Bad input from a user or caller; the message is shown to them as is."""


class NotUnderstood(InputError):
    """The idea's key words (what to show, or where) could not be read: the message is one
    short question back to the user, in their language; `words` are the words not read."""

    def __init__(self, question: str, words: tuple[str, ...] = ()):
        super().__init__(question)
        self.words = tuple(words)


class EngineUnavailable(RuntimeError):
    """No engine can serve the request here; the message says what to set up."""


class GenerationCancelled(Exception):
    """Raised from an `on_step` callback to stop a generation; nothing is written."""


class WorkerLost(RuntimeError):
    """The machine (or process) rendering a job went away mid-render; the job may run
    again elsewhere, counted against its attempts as a crashed server's job is."""


class DataFileError(ValueError):
    """A data file (TOML or JSON) is missing or malformed. One line names the file, the
    entry and the field, so whoever edits the file sees exactly what to fix:
    `styles/presets.toml: [[style]] 'oil': field 'guidance': must be a number, got 'x'`."""

    def __init__(self, problem: str, *, file: str = "", entry: str = "", field: str = ""):
        self.problem, self.file, self.entry, self.field = problem, file, entry, field
        line = ": ".join(filter(None, (file, entry, field and f"field '{field}'", problem)))
        super().__init__(line.replace("\r", "\\r").replace("\n", "\\n"))  # one line
