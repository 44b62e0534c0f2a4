using MedallionFoundry.Storage;

namespace MedallionFoundry.Backends.Local;

/// <summary>Copies between local stores without streaming through the module: a rename for a move
/// (File.Move: rename(2), or copy and delete across file systems, as mv does), a kernel copy
/// (File.Copy: copy_file_range/sendfile) into a temporary file renamed into place otherwise.</summary>
public sealed partial class LocalBackend
{
    public override ServerCopySupport CanCopyServerSide(StorageBackend source) => source is LocalBackend
        ? ServerCopySupport.Yes("both stores are folders on this machine (a rename for a move, a kernel copy otherwise)")
        : ServerCopySupport.No($"the source is a {source.BackendType} store and the destination a local folder");

    public override Task<ServerCopyResult> CopyFromAsync(StorageBackend source, string sourceKey, string destinationKey, CopyOptions options, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var store = (LocalBackend)source;
        var from = store.FullPathOf(sourceKey);
        var target = FullPathOf(destinationKey);
        if (!File.Exists(from))
            throw new StorageNotFoundException($"The remote file '{sourceKey}' does not exist.", sourceKey);

        return WithRetryOnVanishedFolder(destinationKey, _ =>
        {
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            if (options.Move)
            {
                try { MoveIntoPlace(from, target, destinationKey, options.Overwrite); }
                catch (FileNotFoundException ex) when (!File.Exists(from))
                {
                    throw new StorageNotFoundException($"The remote file '{sourceKey}' does not exist.", sourceKey, ex);
                }
                store.RemoveEmptyFolders(Path.GetDirectoryName(from)!);
                return Task.FromResult(new ServerCopyResult(Describe(destinationKey, new FileInfo(target)), SourceMoved: true));
            }

            var temp = TempFileNames.Beside(target, TempFileNames.UploadSuffix);
            try
            {
                CopyFresh(from, temp, cancellationToken);
                MoveIntoPlace(temp, target, destinationKey, options.Overwrite);
            }
            catch (FileNotFoundException ex) when (!File.Exists(from))
            {
                throw new StorageNotFoundException($"The remote file '{sourceKey}' does not exist.", sourceKey, ex);
            }
            finally
            {
                if (File.Exists(temp)) File.Delete(temp);
            }
            return Task.FromResult(new ServerCopyResult(Describe(destinationKey, new FileInfo(target))));
        });
    }
}
