from django.core.files.storage import FileSystemStorage


class PrivateFileSystemStorage(FileSystemStorage):
    """Files that no URL reaches: views read them after checking permissions.

    FileSystemStorage falls back to MEDIA_URL when given no base URL, which would
    publish uploaded rosters; this one refuses to make a URL at all.
    """

    def url(self, name):
        raise ValueError("Private files have no URL; serve them through a view.")
