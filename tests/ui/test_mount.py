"""The chainlit configuration written before chainlit starts, GET /widget.js and the `essbot ui` command."""

from __future__ import annotations

import json
import sys
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from essbot.config import Settings
from essbot.ui import messages, mount
from essbot.ui.commands import feedback, ui


@pytest.fixture
def app_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A directory given in CHAINLIT_APP_ROOT, as an administrator who customises the UI would."""
    root = tmp_path / "chainlit-root"
    monkeypatch.setenv(mount.APP_ROOT_ENV, str(root))
    monkeypatch.setattr(mount._State, "app_root", None)
    # As in a fresh server process, even if another test already imported chainlit in this one.
    monkeypatch.delitem(sys.modules, "chainlit.config", raising=False)
    return root


def test_app_root_gets_french_safe_configuration(app_root: Path) -> None:
    settings = Settings(cors_origins="https://www.exemple-commune.fr, https://intranet.exemple.fr")
    assert mount.prepare_app_root(settings) == app_root

    config = tomllib.loads((app_root / ".chainlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["features"]["unsafe_allow_html"] is False
    assert config["features"]["spontaneous_file_upload"]["enabled"] is False
    assert config["UI"]["language"] == "fr-FR"
    assert config["UI"]["name"] == "essbot"
    assert config["project"]["allow_origins"] == ["https://www.exemple-commune.fr", "https://intranet.exemple.fr"]

    translation = json.loads((app_root / ".chainlit" / "translations" / "fr-FR.json").read_text(encoding="utf-8"))
    assert translation["chat"]["input"]["placeholder"].startswith("Posez votre question")
    assert translation["chat"]["messages"]["feedback"]["dialog"]["title"] == "Votre avis sur cette réponse"
    assert "À propos d'essbot" in (app_root / "chainlit.md").read_text(encoding="utf-8")
    for name in ("essbot.css", "essbot.js", "theme.json", "logo_light.svg", "logo_dark.svg", "favicon.svg"):
        assert (app_root / "public" / name).is_file()


def test_files_customised_by_the_administrator_are_kept(app_root: Path) -> None:
    (app_root / "public").mkdir(parents=True)
    (app_root / "public" / "essbot.css").write_text("/* charte de la commune */", encoding="utf-8")
    mount.prepare_app_root(Settings())
    assert (app_root / "public" / "essbot.css").read_text(encoding="utf-8") == "/* charte de la commune */"


def test_our_french_translation_has_every_key_of_chainlit() -> None:
    import importlib.util

    spec = importlib.util.find_spec("chainlit")  # locates the package without importing it
    assert spec is not None and spec.origin is not None
    english = json.loads((Path(spec.origin).parent / "translations" / "en-US.json").read_text(encoding="utf-8"))
    ours = json.loads((Path(mount.__file__).parent / "assets" / "translations" / "fr-FR.json").read_text("utf-8"))

    def keys(tree: dict[str, object], prefix: str = "") -> set[str]:
        found: set[str] = set()
        for key, value in tree.items():
            found |= keys(value, f"{prefix}{key}.") if isinstance(value, dict) else {prefix + key}  # type: ignore[arg-type]
        return found

    assert keys(english) - keys(ours) == set()


def test_widget_script_finds_the_server_from_its_own_address_or_public_url() -> None:
    script = mount.widget_script(Settings())
    assert "__ESSBOT_CONFIG__" not in script
    assert '"server": ""' in script and '"chatPath": "chat"' in script
    assert json.dumps(messages.WIDGET_BUTTON_LABEL, ensure_ascii=False) in script
    assert "mountChainlitWidget" in script and "/copilot/index.js" in script
    # The French explanations of a refusal travel with the script; the page never shows a raw error.
    config = json.loads(script.split("var config = ", 1)[1].split(";\n", 1)[0])
    assert config["errors"] == messages.WIDGET_ERRORS
    assert "cors_origins" in config["errors"]["origin"] and "{retry}" in config["errors"]["rateLimited"]
    assert "https://" not in script.replace("https://your-essbot-server", "")  # no outside host

    public = mount.widget_script(Settings(public_url="https://essbot.exemple.fr/"))
    assert '"server": "https://essbot.exemple.fr/chat"' in public


def test_ui_and_feedback_commands_have_french_help() -> None:
    runner = CliRunner()
    assert "Interface de discussion" in runner.invoke(ui, ["--help"]).output
    assert "Exporter les avis en CSV" in runner.invoke(feedback, ["export", "--help"]).output
