# The gallery package: metadata from the manifest, the module's layout, and installable with
# PSResourceGet from a folder repository (the same way users install from the PowerShell Gallery).
BeforeAll {
    . $PSScriptRoot/Common.ps1
    Add-Type -AssemblyName System.IO.Compression, System.IO.Compression.FileSystem
    $script:moduleRoot = Split-Path $ModuleManifest
    $script:repoFolder = New-TestFolder 'package-repo'
    $script:package = & (Join-Path $PSScriptRoot '../../src/MedallionFoundry/Packaging/New-ModulePackage.ps1') -ModulePath $moduleRoot -OutputFolder $repoFolder 6>$null
    $script:manifest = Import-PowerShellDataFile $ModuleManifest
}

Describe 'Module manifest' {
    It 'has complete metadata and no placeholder values' {
        $manifest.Description | Should -Not -BeNullOrEmpty
        $manifest.Author | Should -Not -BeNullOrEmpty
        $manifest.PrivateData.PSData.Tags.Count | Should -BeGreaterThan 3
        foreach ($key in $manifest.PrivateData.PSData.Keys) {
            "$($manifest.PrivateData.PSData[$key])".Trim() | Should -Not -BeNullOrEmpty -Because "PSData.$key must not be empty"
        }
        (Get-Content $ModuleManifest -Raw) | Should -Not -Match "=\s*''"
    }

    It 'carries the release notes of its version from docs/CHANGELOG.md' {
        $changelog = Get-Content (Join-Path $PSScriptRoot '../../docs/CHANGELOG.md') -Raw
        $changelog | Should -Match "(?m)^## $([regex]::Escape($manifest.ModuleVersion))"
        $manifest.PrivateData.PSData.ReleaseNotes | Should -Match 'Test-BronzeStorage'
        $changelog | Should -Match ([regex]::Escape(($manifest.PrivateData.PSData.ReleaseNotes -split "`n")[-1].Trim()))
    }

    It 'passes Test-ModuleManifest' {
        $info = Test-ModuleManifest $ModuleManifest
        $info.Version | Should -Be ([version]$manifest.ModuleVersion)
        $info.ExportedCmdlets.Keys | Should -Contain 'Test-BronzeStorage'
    }
}

Describe 'Package' {
    It 'is named MedallionFoundry.VERSION.nupkg and holds the nuspec, the OPC parts and the module at its root' {
        Split-Path $package -Leaf | Should -Be "MedallionFoundry.$($manifest.ModuleVersion).nupkg"
        $zip = [System.IO.Compression.ZipFile]::OpenRead($package)
        try { $entries = @($zip.Entries.FullName) } finally { $zip.Dispose() }
        $entries | Should -Contain 'MedallionFoundry.nuspec'
        $entries | Should -Contain '[Content_Types].xml'
        $entries | Should -Contain '_rels/.rels'
        $entries | Should -Contain 'MedallionFoundry.psd1'
        $entries | Should -Contain 'MedallionFoundry.dll'
        $entries | Should -Contain 'en-US/MedallionFoundry.dll-Help.xml'
        $entries | Should -Contain 'dependencies/MedallionFoundry.Core.dll'
    }

    It 'describes the module with the manifest values' {
        $zip = [System.IO.Compression.ZipFile]::OpenRead($package)
        try {
            $reader = [IO.StreamReader]::new($zip.GetEntry('MedallionFoundry.nuspec').Open())
            [xml] $nuspec = $reader.ReadToEnd(); $reader.Dispose()
        }
        finally { $zip.Dispose() }
        $meta = $nuspec.package.metadata
        $meta.id | Should -Be 'MedallionFoundry'
        $meta.version | Should -Be $manifest.ModuleVersion
        $meta.description | Should -Be $manifest.Description
        $meta.authors | Should -Be $manifest.Author
        $meta.tags -split ' ' | Should -Contain 'PSModule'
        $meta.tags -split ' ' | Should -Contain 'PSCmdlet_Send-BronzeFile'
        $meta.releaseNotes | Should -Be $manifest.PrivateData.PSData.ReleaseNotes
    }

    It 'installs with Save-PSResource from a folder repository and works when imported' {
        Get-Module Microsoft.PowerShell.PSResourceGet -ListAvailable | Should -Not -BeNullOrEmpty -Because 'pwsh 7.6 ships PSResourceGet'
        $name = "mf-test-$([guid]::NewGuid().ToString('N').Substring(0, 8))"
        Register-PSResourceRepository -Name $name -Uri $repoFolder -Trusted
        try {
            $saveTo = New-TestFolder 'package-saved'
            Save-PSResource -Name MedallionFoundry -Repository $name -Path $saveTo -TrustRepository -SkipDependencyCheck
            $saved = Join-Path $saveTo "MedallionFoundry/$($manifest.ModuleVersion)/MedallionFoundry.psd1"
            Test-Path $saved | Should -BeTrue
            Test-Path (Join-Path (Split-Path $saved) 'MedallionFoundry.nuspec') | Should -BeFalse -Because 'PSResourceGet keeps only the module files'

            $store = New-TestFolder 'package-store'
            $run = Invoke-ChildPwsh @"
`$ErrorActionPreference = 'Stop'
Import-Module '$saved'
'FROM ' + (Get-Module MedallionFoundry).ModuleBase
Connect-BronzeStorage -Backend Local -Path '$store'
'HEALTHY ' + (Test-BronzeStorage -Quiet)
'HELP ' + (Get-Help Send-BronzeFile).Synopsis
"@
            $run.ExitCode | Should -Be 0 -Because $run.Output
            $run.Output | Should -Match "FROM $([regex]::Escape((Split-Path $saved)))"
            $run.Output | Should -Match 'HEALTHY True'
            $run.Output | Should -Match 'HELP Uploads local files to bronze storage\.'
        }
        finally {
            Unregister-PSResourceRepository -Name $name
        }
    }
}
