BeforeAll { . $PSScriptRoot/Common.ps1 }

Describe 'An unreadable local file is a local error, not the store''s' {
    It 'says the local file cannot be read (SendBronzeFileLocalAccessDenied), and the store holds nothing' {
        # As root every file is readable: run the upload in a child without the capabilities that bypass permissions.
        $setpriv = Get-Command setpriv -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
        if (-not $setpriv) { throw 'setpriv (util-linux) is needed to drop root''s file-permission override for this test.' }
        $store = New-TestFolder 'unreadable-store'
        $source = New-TestFolder 'unreadable-source'
        $file = New-TestFile (Join-Path $source 'secret.csv') -Size 100
        chmod 000 $file.FullName
        $script = @"
Import-Module '$script:ModuleManifest'
Connect-BronzeStorage -Backend Local -Path '$store'
Send-BronzeFile -Path '$($file.FullName)' -Destination 'in/secret.csv' -ErrorVariable errs -ErrorAction SilentlyContinue | Out-Null
"id=`$(`$errs[0].FullyQualifiedErrorId)"
"category=`$(`$errs[0].CategoryInfo.Category)"
"message=`$(`$errs[0].Exception.Message)"
"@
        $child = Join-Path ([IO.Path]::GetTempPath()) "mf-unreadable-$([guid]::NewGuid().ToString('N')).ps1"
        Set-Content -Path $child -Value $script
        try {
            $output = (& $setpriv.Source --bounding-set '-dac_override,-dac_read_search' ([Environment]::ProcessPath) (Join-Path $PSHOME 'pwsh.dll') -NoProfile -NonInteractive -File $child 2>&1) -join "`n"
        }
        finally { Remove-Item $child -ErrorAction SilentlyContinue }

        $output | Should -Match 'id=SendBronzeFileLocalAccessDenied,'
        $output | Should -Match 'category=PermissionDenied'
        $output | Should -Match ([regex]::Escape("The local file '$($file.FullName)' cannot be read"))
        $output | Should -Not -Match 'remote file'
        @(Get-ChildItem $store -Recurse -File).Count | Should -Be 0
    }
}
