"""Configuration from environment variables; no logic beyond reading them."""
import os
from datetime import timedelta
from pathlib import Path

INSTANCE_DIR = Path(os.environ.get("INSTANCE_PATH", Path(__file__).resolve().parent.parent / "instance"))


class Config:
    #: "production" turns on the checks that refuse an unsafe start (secret key, demo data).
    APP_ENV = os.environ.get("APP_ENV", "development")
    SECRET_KEY = os.environ.get("SECRET_KEY", "")
    #: Key of the per-survey pseudonyms that pair a member's answers; changing it breaks the pairing.
    #: Required in production; development makes a random one in the instance folder (lms/__init__.py).
    PSEUDONYM_KEY = os.environ.get("PSEUDONYM_KEY", "")
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'lms.sqlite'}")
    #: hide_parameters: a database error in a log shows the SQL, never the values (answers, ids, names).
    SQLALCHEMY_ENGINE_OPTIONS = {"hide_parameters": True}
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "UTC"
    BABEL_TRANSLATION_DIRECTORIES = str(Path(__file__).resolve().parent.parent / "translations")
    #: A quiz may take a long time on a slow phone: CSRF tokens live for a day.
    WTF_CSRF_TIME_LIMIT = 24 * 3600
    #: Uploads larger than this are refused before they reach a view (images are capped lower).
    MAX_CONTENT_LENGTH = 6 * 1024 * 1024
    #: Responses in one imported file (ODK, KoboToolbox): a larger file is refused, to be split, so that one
    #: request never checks and seals more than this many (lms/surveys/response_import.py).
    IMPORT_MAX_RESPONSES = int(os.environ.get("IMPORT_MAX_RESPONSES", 5000))
    #: The longest a survey form's logic may take on one response (lms/surveys/logic/evaluation.py), in seconds.
    SURVEY_LOGIC_SECONDS = float(os.environ.get("SURVEY_LOGIC_SECONDS", 2.0))
    #: The longest the logic may take over all the rows of one file of imported answers, in seconds.
    SURVEY_IMPORT_LOGIC_SECONDS = float(os.environ.get("SURVEY_IMPORT_LOGIC_SECONDS", 15.0))
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    #: Turned on in production by ``check_config``: cookies then travel over HTTPS only.
    SESSION_COOKIE_SECURE = False
    #: A session ends after this long without a request, and this long after signing in (lms/auth/sessions.py);
    #: with "Keep me signed in", REMEMBER_DAYS after signing in (the remember cookie is ours, not Flask-Login's).
    SESSION_IDLE_MINUTES = int(os.environ.get("SESSION_IDLE_MINUTES", 120))
    SESSION_MAX_HOURS = int(os.environ.get("SESSION_MAX_HOURS", 12))
    REMEMBER_COOKIE_DURATION = timedelta(days=int(os.environ.get("REMEMBER_DAYS", 30)))
    #: "__Host-remember" in production (lms/__init__.py check_config).
    REMEMBER_COOKIE_NAME = "remember_token"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = False
    #: Sign-in attempts allowed in a moving window, per identifier typed and per address (lms/auth/throttle.py);
    #: a training room signs in from one address, hence the higher second figure. Beyond the first figure per
    #: account (its username, phone and e-mail together) the password is not checked, silently.
    SIGN_IN_LIMIT_ACCOUNT = os.environ.get("SIGN_IN_LIMIT_ACCOUNT", "10 per 15 minutes")
    SIGN_IN_LIMIT_ADDRESS = os.environ.get("SIGN_IN_LIMIT_ADDRESS", "100 per 15 minutes")
    #: The device cookie (lms/auth/device_cookies.py): a browser where a member signed in has her sign-in attempts and
    #: codes counted apart from strangers'. Kept this many days after her last sign-in there, for this many accounts.
    #: "__Host-device" in production (lms/__init__.py check_config).
    DEVICE_COOKIE_NAME = "device"
    DEVICE_COOKIE_DAYS = int(os.environ.get("DEVICE_COOKIE_DAYS", 180))
    DEVICE_COOKIE_ACCOUNTS = int(os.environ.get("DEVICE_COOKIE_ACCOUNTS", 5))
    #: Per address (an IPv6 address by its /64): sign-ups answered "already used" and profile changes of phone or
    #: e-mail, then accounts made at sign-up (a trainer signs up a whole room with the group's "Create the accounts").
    SIGN_UP_TAKEN_LIMIT = os.environ.get("SIGN_UP_TAKEN_LIMIT", "10 per hour")
    SIGN_UP_LIMIT = os.environ.get("SIGN_UP_LIMIT", "30 per hour")
    #: Group codes tried per account, and certificate codes looked up per address, counted before the look-up.
    CODE_LIMIT = os.environ.get("CODE_LIMIT", "30 per 15 minutes")
    #: Offline syncs per account (lms/learn/offline.py), of at most 100 operations each: a phone sends its queue
    #: once the connection returns, and refused operations are not recorded, so could otherwise be sent forever.
    SYNC_LIMIT = os.environ.get("SYNC_LIMIT", "30 per 15 minutes")
    #: Live checks of a survey page per account (survey-logic.js, on each change of an answer): past it, a 429 and
    #: the page works as without JavaScript ("Next" checks it on the server).
    SURVEY_CHECK_LIMIT = os.environ.get("SURVEY_CHECK_LIMIT", "300 per 15 minutes")
    #: Pages of a survey sent (Next, Back, the last page) per account: each is worked out through the form's logic.
    SURVEY_PAGE_LIMIT = os.environ.get("SURVEY_PAGE_LIMIT", "150 per 15 minutes")
    #: Where the counts live: "memory://" (one process), or Redis in production so that every worker shares them.
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_KEY_PREFIX = os.environ.get("RATELIMIT_KEY_PREFIX", "lms")
    #: If Redis stops answering, each worker counts in its own memory instead of refusing to sign anyone in.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    #: How many proxies (nginx) stand in front of the app: their X-Forwarded-For and -Proto headers are then
    #: trusted, so that the limits above see each visitor's own address. 0 when the app is reached directly.
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", 0))
    #: A one-time password given by staff (a trainer's list of new accounts) works this many days, then the
    #: member asks staff for a new one (lms/auth/services.py).
    ONE_TIME_PASSWORD_DAYS = int(os.environ.get("ONE_TIME_PASSWORD_DAYS", 7))
    #: "Forgot your password?" (lms/auth/recovery.py): a link by e-mail works this many minutes, once. Requests are
    #: counted per identifier typed (and, silently, per account: no more links go out beyond it) and per address.
    RECOVERY_LINK_MINUTES = int(os.environ.get("RECOVERY_LINK_MINUTES", 60))
    RECOVERY_LIMIT_IDENTIFIER = os.environ.get("RECOVERY_LIMIT_IDENTIFIER", "5 per hour")
    RECOVERY_LIMIT_ADDRESS = os.environ.get("RECOVERY_LIMIT_ADDRESS", "30 per hour")
    #: Changing someone's role needs the password typed within this many minutes (lms/auth/reauth.py).
    REAUTH_MINUTES = int(os.environ.get("REAUTH_MINUTES", 15))
    #: argon2id cost; the defaults of argon2-cffi (RFC 9106 low-memory profile).
    ARGON2_TIME_COST = int(os.environ.get("ARGON2_TIME_COST", 3))
    ARGON2_MEMORY_COST = int(os.environ.get("ARGON2_MEMORY_COST", 65536))
    #: "text" (Flask's default, for development) or "json": one JSON object a line on stderr, with an access line
    #: per request and no personal data (lms/core/logs.py).
    LOG_FORMAT = os.environ.get("LOG_FORMAT", "text").lower()
    LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
    #: Where members reach the portal; links in e-mails start with it.
    PUBLIC_URL = os.environ.get("PUBLIC_URL", "http://127.0.0.1:5000")
    #: SMTP for reminders; with no MAIL_SERVER, reminders are shown in the portal only.
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", 587))
    MAIL_USE_TLS = os.environ.get("MAIL_USE_TLS", "true").lower() == "true"
    MAIL_USE_SSL = os.environ.get("MAIL_USE_SSL", "false").lower() == "true"
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
    MAIL_FROM = os.environ.get("MAIL_FROM", "Training portal <no-reply@localhost>")
    #: The SMS gateway (lms/messaging/gateways.py): "kannel" (Kannel's sendsms interface), "http" (a provider's
    #: HTTP API, see docs/deploy.md), or "" for none: then every SMS choice is hidden and nothing is sent by SMS.
    SMS_GATEWAY = os.environ.get("SMS_GATEWAY", "").lower()
    #: Where messages are handed over (Kannel: http://127.0.0.1:13013/cgi-bin/sendsms), and the account there.
    SMS_SEND_URL = os.environ.get("SMS_SEND_URL", "")
    SMS_USERNAME = os.environ.get("SMS_USERNAME", "")
    SMS_PASSWORD = os.environ.get("SMS_PASSWORD", "")
    #: The sender members see (a short code or a name), where the operator allows one.
    SMS_SENDER = os.environ.get("SMS_SENDER", "")
    #: Delivery reports and incoming messages are taken only with this secret (in the URL the gateway calls,
    #: or as an HMAC signature, lms/messaging/callbacks.py), and, if set, only from these addresses.
    SMS_CALLBACK_SECRET = os.environ.get("SMS_CALLBACK_SECRET", "")
    SMS_CALLBACK_ADDRESSES = os.environ.get("SMS_CALLBACK_ADDRESSES", "")
    #: The countries whose numbers the gateway reaches (ISO codes, "BJ,ML,PE"); empty: every country.
    SMS_COUNTRIES = os.environ.get("SMS_COUNTRIES", "")
    #: What one SMS segment costs, for the estimate a trainer sees before sending, and its currency (ISO 4217).
    SMS_PRICE_PER_SEGMENT = os.environ.get("SMS_PRICE_PER_SEGMENT", "0")
    #: Prices by country ("BJ=0.031 KH=0.018 *=0.05"; lms/messaging/prices.py); SMS_PRICE_PER_SEGMENT is the others'.
    SMS_PRICES = os.environ.get("SMS_PRICES", "")
    SMS_CURRENCY = os.environ.get("SMS_CURRENCY", "EUR")
    #: Reminders and group news go out only between these hours of the member's country ("8-20": from 8:00 to
    #: 20:00); outside them they wait. Codes go at once.
    SMS_SENDING_HOURS = os.environ.get("SMS_SENDING_HOURS", "8-20")
    #: A code sent by SMS (a phone's confirmation, a new password, a sign-in) works this many minutes.
    SMS_CODE_MINUTES = int(os.environ.get("SMS_CODE_MINUTES", 10))
    #: Codes per number (or account) and requesting address: lower than the number's own budget, so that one address
    #: cannot spend it and keep the owner from codes.
    SMS_CODE_LIMIT_NUMBER_ADDRESS = os.environ.get("SMS_CODE_LIMIT_NUMBER_ADDRESS", "3 per day")
    #: Codes per number (or account) from every address together: enough for its owner, a cap on flooding a phone.
    SMS_CODE_LIMIT_NUMBER = os.environ.get("SMS_CODE_LIMIT_NUMBER", "8 per day")
    #: Codes per account asked from a device where it signed in (its device cookie), instead of the two budgets above,
    #: so that strangers who spend them do not keep the owner from codes on her own phone.
    SMS_CODE_LIMIT_DEVICE = os.environ.get("SMS_CODE_LIMIT_DEVICE", "5 per day")
    #: Codes asked for per address, whatever the number.
    SMS_CODE_LIMIT_ADDRESS = os.environ.get("SMS_CODE_LIMIT_ADDRESS", "20 per hour")
    SMS_CODE_ATTEMPTS = int(os.environ.get("SMS_CODE_ATTEMPTS", 5))
    #: Confirmation codes typed (on the page or sent back), per account and per number, whatever the code.
    SMS_CONFIRM_TRIES = os.environ.get("SMS_CONFIRM_TRIES", "10 per day")
    SMS_CONFIRM_TRIES_NUMBER = os.environ.get("SMS_CONFIRM_TRIES_NUMBER", "20 per day")
    #: The longest message a trainer may send a group, in SMS segments.
    SMS_MAX_SEGMENTS = int(os.environ.get("SMS_MAX_SEGMENTS", 3))
    #: A message the gateway did not take is tried again after 1, 5, 15, 60... minutes, this many times in all.
    SMS_MAX_ATTEMPTS = int(os.environ.get("SMS_MAX_ATTEMPTS", 6))
    #: Automatic answers (to STOP, START, HELP, a text the portal cannot read) one number gets in a UTC day, at most.
    SMS_ANSWERS_PER_DAY = int(os.environ.get("SMS_ANSWERS_PER_DAY", 5))
    #: Survey reminders: at most this many messages per wave, this many days apart.
    REMINDER_MAX = int(os.environ.get("REMINDER_MAX", 3))
    REMINDER_MIN_DAYS = int(os.environ.get("REMINDER_MIN_DAYS", 7))
    #: Accounts with no sign-in or activity for this many days are erased (lms/privacy); 0 keeps them.
    RETENTION_INACTIVE_DAYS = int(os.environ.get("RETENTION_INACTIVE_DAYS", 1095))
    #: How often the scheduler process runs each job, in minutes.
    JOBS_INTERVAL_MINUTES = int(os.environ.get("JOBS_INTERVAL_MINUTES", 15))
    #: Survey answers of an open wave are published at the first run of the job after each checkpoint, every this
    #: many days (7: on Mondays), and when the wave closes: a shorter period makes results fresher and the "n-1"
    #: attack easier (docs/privacy.md).
    RELEASE_EVERY_DAYS = int(os.environ.get("RELEASE_EVERY_DAYS", 7))
    #: Age bands of the reports, in whole years at the end of the period ("36+": no upper end).
    REPORT_AGE_BANDS = os.environ.get("REPORT_AGE_BANDS", "15-24,25-35,36+")
    #: IATI: who reports, for whom, and which activity; set them to the organisation's real identifiers.
    IATI_REPORTING_ORG_REF = os.environ.get("IATI_REPORTING_ORG_REF", "XI-EXAMPLE-ORG")
    IATI_REPORTING_ORG_NAME = os.environ.get("IATI_REPORTING_ORG_NAME", "Example trade-union development organisation")
    IATI_REPORTING_ORG_TYPE = os.environ.get("IATI_REPORTING_ORG_TYPE", "21")
    IATI_ACTIVITY_ID = os.environ.get("IATI_ACTIVITY_ID", "XI-EXAMPLE-ORG-FAIRWORK")
    IATI_ACTIVITY_TITLE = os.environ.get("IATI_ACTIVITY_TITLE", "Fair work: training and outcome surveys")
    IATI_ACTIVITY_START = os.environ.get("IATI_ACTIVITY_START", "2025-01-01")
    IATI_FUNDER_REF = os.environ.get("IATI_FUNDER_REF", "XM-DAC-7")
    IATI_FUNDER_NAME = os.environ.get("IATI_FUNDER_NAME", "Ministry of Foreign Affairs of the Netherlands")
    #: The funder's type, on IATI's OrganisationType codelist (10: government; 40: multilateral; 60: foundation).
    IATI_FUNDER_TYPE = os.environ.get("IATI_FUNDER_TYPE", "10")
    #: The activity's sectors with their share in percent, adding up to 100 ("16020:50,15150:50": employment
    #: creation, democratic participation and civil society), codes of the vocabulary below (1: OECD DAC CRS 5-digit
    #: purpose codes; 2: 3-digit). Checked against IATI's codelists when the portal starts
    #: (lms/reports/iati_settings.py).
    IATI_SECTORS = os.environ.get("IATI_SECTORS", "16020:50,15150:50")
    IATI_SECTOR_VOCABULARY = os.environ.get("IATI_SECTOR_VOCABULARY", "1")
    #: Targets for a year, e.g. "participants=5000,completions=3000" (whole numbers without separators).
    IATI_TARGETS = os.environ.get("IATI_TARGETS", "")
    COURSES_DIR = os.environ.get("COURSES_DIR", str(Path(__file__).resolve().parent.parent / "courses"))


class TestConfig(Config):
    APP_ENV = "testing"
    TESTING = True
    SECRET_KEY = "test-secret-key-not-for-production"  # the tests' own, never used elsewhere  # nosec B105
    PSEUDONYM_KEY = "test-pseudonym-key-not-for-production"
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    #: Cheap hashes keep the suite fast; production uses Config's cost.
    MAIL_SERVER = ""
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 1024
