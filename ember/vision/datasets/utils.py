"""Download, checksum and archive helpers of the datasets (as torchvision.datasets.utils)."""
import gzip
import hashlib
import os
import shutil
import tarfile
import urllib.error
import urllib.request

__all__ = ["calculate_md5", "check_md5", "check_integrity", "download_url", "extract_archive",
           "download_and_extract_archive"]

_USER_AGENT = "ember-vision"


def calculate_md5(fpath, chunk_size=1024 * 1024):
    """The hex MD5 digest of the file at `fpath`."""
    md5 = hashlib.md5(usedforsecurity=False)
    with open(fpath, "rb") as f:
        for chunk in iter(lambda: f.read(chunk_size), b""):
            md5.update(chunk)
    return md5.hexdigest()


def check_md5(fpath, md5, **kwargs):
    return md5 == calculate_md5(fpath, **kwargs)


def check_integrity(fpath, md5=None):
    """True when `fpath` is a file and (if `md5` is given) its MD5 matches."""
    if not os.path.isfile(fpath):
        return False
    if md5 is None:
        return True
    return check_md5(fpath, md5)


def _urlretrieve(url, fpath, chunk_size=1024 * 32, timeout=60):
    # through urllib.request.urlopen (looked up at call time, so tests can replace it)
    req = urllib.request.Request(url, headers={"User-Agent": _USER_AGENT})
    tmp = fpath + ".part"
    try:
        with urllib.request.urlopen(req, timeout=timeout) as response, open(tmp, "wb") as fh:
            while True:
                chunk = response.read(chunk_size)
                if not chunk:
                    break
                fh.write(chunk)
        os.replace(tmp, fpath)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def download_url(url, root, filename=None, md5=None):
    """Download `url` into `root/filename` unless a file with the right MD5 is already there.

    Raises:
        OSError (urllib.error.URLError included): the download failed.
        RuntimeError: the downloaded file's MD5 does not match `md5`.
    """
    root = os.path.expanduser(root)
    filename = filename or os.path.basename(url)
    fpath = os.path.join(root, filename)
    os.makedirs(root, exist_ok=True)
    if check_integrity(fpath, md5):
        return fpath
    _urlretrieve(url, fpath)
    if not check_integrity(fpath, md5):
        os.remove(fpath)
        raise RuntimeError(f"The file downloaded from {url} is corrupt (MD5 mismatch); try again.")
    return fpath


def _safe_members(tar, dest):
    dest = os.path.realpath(dest)
    for m in tar.getmembers():
        target = os.path.realpath(os.path.join(dest, m.name))
        if not (target == dest or target.startswith(dest + os.sep)) or m.issym() or m.islnk():
            raise RuntimeError(f"Refusing to extract {m.name!r}: it points outside {dest}")
        yield m


def extract_archive(from_path, to_path=None, remove_finished=False):
    """Extract a .tar(.gz/.tgz/.bz2/.xz) archive, or decompress a single .gz file; returns to_path."""
    to_path = to_path or os.path.dirname(from_path)
    if from_path.endswith((".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz")):
        with tarfile.open(from_path, "r:*") as tar:
            tar.extractall(to_path, members=list(_safe_members(tar, to_path)))
    elif from_path.endswith(".gz"):
        out = os.path.join(to_path, os.path.basename(from_path)[:-3])
        with gzip.open(from_path, "rb") as src, open(out, "wb") as dst:
            shutil.copyfileobj(src, dst)
    else:
        raise RuntimeError(f"Extraction of {from_path} not supported")
    if remove_finished:
        os.remove(from_path)
    return to_path


def download_and_extract_archive(url, download_root, extract_root=None, filename=None, md5=None,
                                 remove_finished=False):
    """Download `url` (MD5-checked) into `download_root` and extract it into `extract_root`."""
    fpath = download_url(url, download_root, filename, md5)
    return extract_archive(fpath, extract_root or download_root, remove_finished)


def download_from_mirrors(mirrors, filename, folder, md5, dataset, where_msg):
    """Try each mirror in turn; when all fail, raise one RuntimeError saying where to put the file."""
    errors = []
    for mirror in mirrors:
        url = mirror + filename
        try:
            return download_url(url, folder, filename, md5)
        except (OSError, urllib.error.URLError, RuntimeError) as e:  # offline, HTTP error, bad MD5
            errors.append(f"{url}: {getattr(e, 'reason', None) or e}")
    raise RuntimeError(
        f"Could not download {dataset} file {filename} (no network, or every mirror failed):\n  "
        + "\n  ".join(errors) + f"\n{where_msg}")
