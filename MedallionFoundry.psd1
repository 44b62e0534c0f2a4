@{
    RootModule           = 'MedallionFoundry.dll'
    ModuleVersion        = '0.1.0'
    GUID                 = '5b0c3f7e-9d41-4c56-8f0a-6a2d7e1c9b34'
    Author               = 'MedallionFoundry contributors'
    CompanyName          = 'MedallionFoundry'
    Copyright            = '(c) MedallionFoundry contributors. MIT License.'
    Description          = 'Moves files between a machine and the bronze layer of a data lake (S3 and S3-compatible stores, Azure Blob Storage / ADLS Gen2, local disk, custom backends) through one storage-backend abstraction.'
    PowerShellVersion    = '7.4'
    CompatiblePSEditions = @('Core')
    FormatsToProcess     = @('MedallionFoundry.Format.ps1xml')
    CmdletsToExport      = @(
        'Connect-BronzeStorage'
        'Disconnect-BronzeStorage'
        'Get-BronzeStorage'
        'Use-BronzeStorage'
        'Send-BronzeFile'
        'Get-BronzeFile'
        'Get-BronzeFileList'
        'Remove-BronzeFile'
        'Copy-BronzeFile'
        'Move-BronzeFile'
        'Sync-BronzeFolder'
        'Compare-BronzeFolder'
        'Test-BronzeStorage'
        'Test-BronzeMirror'
        'Register-BronzeStorageBackend'
        'Unregister-BronzeStorageBackend'
        'Get-BronzeStorageBackend'
        'Get-BronzeTransfer'
        'Clear-BronzeTransfer'
    )
    FunctionsToExport    = @()
    AliasesToExport      = @()
    VariablesToExport    = @()
    PrivateData          = @{
        PSData = @{
            Tags = @('bronze', 'datalake', 'medallion', 'S3', 'MinIO', 'Azure', 'Blob', 'ADLS', 'storage', 'upload', 'download', 'AzureDevOps', 'PSEdition_Core', 'Linux', 'Windows', 'MacOS')
            # ReleaseNotes: written into the built manifest from docs/CHANGELOG.md by build.ps1.
        }
    }
}
